import { Clock, Effect } from "effect"
import type { GetBookingParams } from "../../../lexicon/schemas"
import { BookingNotFound, BookingsRepo } from "../../../services/BookingsRepo"
import { Caller } from "../../xrpc/Caller"
import { toBookingView } from "../bookingView"
import { guestNotesOf } from "../guestNotes"

/** app.overlap.getBooking: one booking, for its host or guest only (anyone else is told it does not exist). */
export const getBooking = ({ urlParams }: { readonly urlParams: GetBookingParams }) =>
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const caller = yield* Caller
    const booking = yield* bookings.get(urlParams.id).pipe(Effect.catchTag("RepositoryError", Effect.die))
    if (booking.hostDid !== caller.did && booking.guestDid !== caller.did) return yield* new BookingNotFound({ id: urlParams.id })
    // the guest's note: the caller is the booking's host or guest
    const notes = yield* guestNotesOf([booking])
    return { booking: toBookingView(booking, yield* Clock.currentTimeMillis, notes.get(booking.id)) }
  })
