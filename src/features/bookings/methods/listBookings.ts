import { Clock, Effect, Option } from "effect"
import type { ListBookingsParams } from "../../../lexicon/schemas"
import { BookingsRepo } from "../../../services/BookingsRepo"
import { Caller } from "../../xrpc/Caller"
import { toBookingView } from "../bookingView"
import { guestNotesOf } from "../guestNotes"

/** app.overlap.listBookings: the caller's bookings (as host, guest or either), newest first, by cursor. */
export const listBookings = ({ urlParams }: { readonly urlParams: ListBookingsParams }) =>
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const caller = yield* Caller
    const page = yield* bookings
      .listForDid({ did: caller.did, role: urlParams.role ?? "either", limit: urlParams.limit, cursor: urlParams.cursor })
      .pipe(Effect.catchTag("RepositoryError", Effect.die))
    const now = yield* Clock.currentTimeMillis
    // the guests' notes: every booking listed is the caller's, as host or as guest
    const notes = yield* guestNotesOf(page.items)
    return {
      bookings: page.items.map((booking) => toBookingView(booking, now, notes.get(booking.id))),
      ...Option.match(page.cursor, { onNone: () => ({}), onSome: (cursor) => ({ cursor }) })
    }
  })
