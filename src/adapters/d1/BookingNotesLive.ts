import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { bookingNoteBinding, BookingNotes } from "../../services/BookingNotes"
import { orRepositoryError } from "../../services/RepositoryError"
import { TokenVault } from "../../services/TokenVault"

// D1Live hands rows back with camelCase names
const decodeWritten = Schema.decodeUnknown(Schema.Array(Schema.Struct({ id: Schema.String, guestDid: Schema.String, ciphertext: Schema.String, createdAt: Schema.Int })))

/** What the export shows for a note whose vault key is gone (or that does not open). */
const UNREADABLE = "unreadable"

/** BookingNotes over the `booking_notes` D1 table (migration 0030), every note sealed by the TokenVault. */
export const BookingNotesLive: Layer.Layer<BookingNotes, never, SqlClient.SqlClient | TokenVault> = Layer.effect(
  BookingNotes,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const vault = yield* TokenVault

    const open = (row: { readonly id: string; readonly guestDid: string; readonly ciphertext: string }) =>
      vault.decrypt(row.ciphertext, bookingNoteBinding(row.guestDid, row.id)).pipe(
        Effect.map((note): string | undefined => note),
        // never the text, never why in detail: the booking id and the failure's tag
        Effect.catchAll((error) => Effect.as(Effect.logWarning("booking note does not open", { bookingId: row.id, error: error._tag }), undefined))
      )

    return BookingNotes.of({
      put: (bookingId, guestDid, note) =>
        Effect.gen(function*() {
          const sealed = yield* vault.encrypt(note, bookingNoteBinding(guestDid, bookingId))
          const now = yield* Clock.currentTimeMillis
          yield* sql`
            INSERT INTO booking_notes (booking_id, guest_did, note_ciphertext, key_id, created_at)
            VALUES (${bookingId}, ${guestDid}, ${sealed.ciphertext}, ${sealed.keyId}, ${now})
            ON CONFLICT (booking_id) DO NOTHING`.pipe(orRepositoryError("BookingNotes.put"))
        }),

      forBookings: (bookings) =>
        Effect.gen(function*() {
          if (bookings.length === 0) return new Map<string, string>()
          const rows = yield* sql`
            SELECT booking_id AS id, guest_did, note_ciphertext AS ciphertext, created_at FROM booking_notes
            WHERE ${sql.in("booking_id", bookings.map((b) => b.id))}`.pipe(Effect.flatMap(decodeWritten), orRepositoryError("BookingNotes.forBookings"))
          const guestOf = new Map(bookings.map((b) => [b.id, b.guestDid] as const))
          const notes = new Map<string, string>()
          for (const row of rows) {
            // only the booking's own guest's note (the binding would refuse any other anyway)
            if (guestOf.get(row.id) !== row.guestDid) continue
            const note = yield* open(row)
            if (note !== undefined) notes.set(row.id, note)
          }
          return notes
        }),

      writtenBy: (guestDid) =>
        sql`SELECT booking_id AS id, guest_did, note_ciphertext AS ciphertext, created_at FROM booking_notes
            WHERE guest_did = ${guestDid} ORDER BY created_at, booking_id`.pipe(
          Effect.flatMap(decodeWritten),
          orRepositoryError("BookingNotes.writtenBy"),
          Effect.flatMap((rows) =>
            Effect.forEach(rows, (row) => Effect.map(open(row), (note) => ({ bookingId: row.id, note: note ?? UNREADABLE, createdAt: row.createdAt }))))
        )
    })
  })
)
