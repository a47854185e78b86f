import { Clock, Effect, Layer, Ref } from "effect"
import { BookingNotes } from "../../services/BookingNotes"

interface KeptNote {
  readonly guestDid: string
  readonly note: string
  readonly createdAt: number
}

/**
 * In-memory `BookingNotes` for the node API tests: one note per booking (a second put changes nothing), read back
 * only for the booking's own guest, as the D1 table does. Nothing is persisted, so nothing is sealed; the D1 layer
 * (BookingNotesLive) seals every note with the TokenVault.
 */
export const makeBookingNotesTest = (): Layer.Layer<BookingNotes> =>
  Layer.effect(
    BookingNotes,
    Effect.map(Ref.make(new Map<string, KeptNote>()), (store) =>
      BookingNotes.of({
        put: (bookingId, guestDid, note) =>
          Effect.flatMap(Clock.currentTimeMillis, (createdAt) =>
            Ref.update(store, (map) => map.has(bookingId) ? map : new Map(map).set(bookingId, { guestDid, note, createdAt }))),
        forBookings: (bookings) =>
          Effect.map(Ref.get(store), (map) => {
            const notes = new Map<string, string>()
            for (const b of bookings) {
              const kept = map.get(b.id)
              if (kept !== undefined && kept.guestDid === b.guestDid) notes.set(b.id, kept.note)
            }
            return notes
          }),
        writtenBy: (guestDid) =>
          Effect.map(Ref.get(store), (map) =>
            [...map.entries()]
              .filter(([, kept]) => kept.guestDid === guestDid)
              .map(([bookingId, kept]) => ({ bookingId, note: kept.note, createdAt: kept.createdAt }))
              .sort((a, b) => a.createdAt - b.createdAt || (a.bookingId < b.bookingId ? -1 : 1)))
      }))
  )
