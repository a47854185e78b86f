import { Effect } from "effect"
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
    const fromRequests = bookings.filter((b) => !notes.has(b.id) && b.requestUri != null)
    if (fromRequests.length > 0) {
      const found = new Map((yield* (yield* BookingRequestsRepo).getMany(fromRequests.map((b) => b.requestUri!))).map((r) => [r.uri, r]))
      for (const booking of fromRequests) {
        const request = found.get(booking.requestUri!)
        if (request !== undefined && request.guestDid === booking.guestDid && request.note !== null && request.note.trim() !== "") {
          notes.set(booking.id, request.note)
        }
      }
    }
    return notes as ReadonlyMap<string, string>
  }).pipe(Effect.orDie)
