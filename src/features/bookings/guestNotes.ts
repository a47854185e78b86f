import { Effect, Option } from "effect"
import type { Booking } from "../../domain/booking/booking"
import { BookingNotes } from "../../services/BookingNotes"
import { BookingRequestsRepo } from "../../services/BookingRequestsRepo"

/**
 * The guest's note of each booking, for its host and guest (getBooking, listBookings — never anyone else): the note
 * sent with app.overlap.match (sealed, BookingNotes), else the note of the `app.overlap.bookingRequest` record the
 * booking came from — public in the guest's own repository, indexed in `booking_requests.note` — when that record
 * is the booking's own guest's (docs/booking-notes.md).
 */
export const guestNotesOf = (bookings: ReadonlyArray<Booking>) =>
  Effect.gen(function*() {
    const notes = new Map(yield* (yield* BookingNotes).forBookings(bookings))
    const requests = yield* BookingRequestsRepo
    const fromRequests = bookings.filter((b) => !notes.has(b.id) && b.requestUri != null)
    yield* Effect.forEach(fromRequests, (booking) =>
      Effect.map(requests.get(booking.requestUri!), (found) => {
        if (Option.isNone(found)) return
        const { guestDid, note } = found.value
        if (guestDid === booking.guestDid && note !== null && note.trim() !== "") notes.set(booking.id, note)
      }), { concurrency: 4, discard: true })
    return notes as ReadonlyMap<string, string>
  }).pipe(Effect.orDie)
