import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { BookingsRepo } from "../../services/BookingsRepo"
import { Caller } from "../xrpc/Caller"
import { OverlapApi } from "../OverlapApi"
import { BookingNotFoundError, InvalidCursorError } from "./BookingsApi"
import { toBookingView } from "./bookingView"

export const BookingsHttpLive = HttpApiBuilder.group(OverlapApi, "bookings", (handlers) =>
  Effect.gen(function* () {
    const bookings = yield* BookingsRepo
    return handlers
      .handle("getBooking", ({ urlParams }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          const notFound = new BookingNotFoundError({ message: `no booking ${urlParams.id}` })
          const booking = yield* bookings.get(urlParams.id).pipe(
            Effect.catchTag("BookingNotFound", () => Effect.fail(notFound)),
            Effect.orDie
          )
          if (booking.hostDid !== caller.did && booking.guestDid !== caller.did) return yield* notFound
          return { booking: toBookingView(booking) }
        })
      )
      .handle("listBookings", ({ urlParams }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          const page = yield* bookings
            .listForDid({ did: caller.did, role: urlParams.role ?? "either", limit: urlParams.limit, cursor: urlParams.cursor })
            .pipe(
              Effect.catchTag("InvalidCursor", () => Effect.fail(new InvalidCursorError({ message: "cursor: not a cursor this service issued" }))),
              Effect.orDie
            )
          return {
            bookings: page.items.map(toBookingView),
            ...Option.match(page.cursor, { onNone: () => ({}), onSome: (cursor) => ({ cursor }) })
          }
        })
      )
  })
)
