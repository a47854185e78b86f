import { Effect } from "effect"
import type { GetBookingParams } from "../../../lexicon/schemas"
import { BookingsRepo } from "../../../services/BookingsRepo"
import { Caller } from "../../xrpc/Caller"
import { BookingNotFoundError } from "../BookingsApi"
import { toBookingView } from "../bookingView"

/** app.overlap.getBooking: one booking, for its host or guest only (anyone else is told it does not exist). */
export const getBooking = ({ urlParams }: { readonly urlParams: GetBookingParams }) =>
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const caller = yield* Caller
    const notFound = new BookingNotFoundError({ message: `no booking ${urlParams.id}` })
    const booking = yield* bookings.get(urlParams.id).pipe(
      Effect.catchTag("BookingNotFound", () => Effect.fail(notFound)),
      Effect.orDie
    )
    if (booking.hostDid !== caller.did && booking.guestDid !== caller.did) return yield* notFound
    return { booking: toBookingView(booking) }
  })
