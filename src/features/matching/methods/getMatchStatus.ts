import { Effect } from "effect"
import type { GetMatchStatusParams } from "../../../lexicon/schemas"
import { BookingsRepo } from "../../../services/BookingsRepo"
import { HoldStore } from "../../../services/HoldStore"
import { Caller } from "../../xrpc/Caller"
import { holdView } from "../matchingViews"

/**
 * app.overlap.getMatchStatus: how a pending match (202 from `match`) is doing, for its guest or host. A held
 * slot also says its time on the guest's and the host's clocks (issue 15 item 6), read off the booking's row
 * (the zones the match was made in); a row not readable right now leaves those forms out.
 */
export const getMatchStatus = ({ urlParams }: { readonly urlParams: GetMatchStatusParams }) =>
  Effect.gen(function*() {
    const holds = yield* HoldStore
    const bookings = yield* BookingsRepo
    const caller = yield* Caller
    const status = yield* holds.getMatchStatus(urlParams.token, caller.did).pipe(Effect.catchTag("HoldStoreError", Effect.die))
    switch (status._tag) {
      case "pending":
        return { status: "pending" as const, retryAfterSec: status.retryAfterSec }
      case "held": {
        const zones = yield* bookings.get(status.hold.bookingId).pipe(
          Effect.map((booking) => ({ guestTz: booking.tz, hostTz: booking.hostTz ?? booking.tz })),
          Effect.orElseSucceed(() => undefined)
        )
        return { status: "held" as const, hold: holdView(status.hold, zones) }
      }
      case "failed":
        return { status: "failed" as const, failure: status.failure }
    }
  })
