import { Effect } from "effect"
import type { RescheduleInput } from "../../../lexicon/schemas"
import type { RescheduleAccess } from "../../../services/BookingLifecycle"
import { BookingsRepo } from "../../../services/BookingsRepo"
import { spendHostBudget } from "../../matching/hostBudget"
import { offersFor } from "../../matching/offerAccess"
import { Caller } from "../../xrpc/Caller"
import { idempotent } from "../../xrpc/Idempotency"
import { hostRulesFor } from "../../settings/hostRulesFor"
import { lifecycleAnswer } from "../lifecycleAnswer"

/**
 * What the guest's reschedule may use, read here where the offers and the social graph are: the host's rules
 * and the offer windows the guest may book now (a guest blocked since, or below the offer's tier, is refused
 * TierNotMet as a new match would be). The rules decide whether the guest moves the meeting or proposes the
 * time to the host. Nothing for the host or anyone else, or for a booking that cannot be read: the booking's
 * object answers those.
 */
const guestAccess = (bookingId: string) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const booking = yield* Effect.option(Effect.flatMap(BookingsRepo, (bookings) => bookings.get(bookingId)))
    if (booking._tag === "None" || booking.value.guestDid !== caller.did || booking.value.hostDid === caller.did) return undefined
    const { hostDid, offerUri } = booking.value
    const { rules, timeZone } = yield* hostRulesFor(hostDid).pipe(Effect.orDie)
    const hostTz = timeZone !== undefined ? { hostTz: timeZone } : {}
    // A guest's move (or proposal, when the host's rules keep moves to the host) answers about the host's free time: it spends the information budget, as match does.
    yield* spendHostBudget(hostDid, { did: caller.did })
    const offers = yield* offersFor(hostDid, caller.did, offerUri ?? undefined).pipe(
      // No offer left to move into: the same refusal as a time outside the offer (the engine answers it).
      Effect.catchTags({ OfferNotFound: () => Effect.succeed([]), HostNotFound: () => Effect.succeed([]) })
    )
    return {
      offers: offers.map((o) => ({ startAt: o.startAt, endAt: o.endAt, tz: o.tz, weekly: o.weekly, validFrom: o.validFrom, validUntil: o.validUntil })),
      rules,
      ...hostTz
    } satisfies RescheduleAccess
  })

/**
 * app.overlap.reschedule: moves a booking to a new time (a slot, or constraints to match again); a guest whose
 * host keeps moves to the host proposes the time instead (`proposed: true`, the meeting has not moved).
 */
export const reschedule = ({ payload }: { readonly payload: RescheduleInput }) =>
  idempotent(Effect.flatMap(guestAccess(payload.bookingId), (access) =>
    lifecycleAnswer((lifecycle, callerDid) =>
      lifecycle.reschedule({
        bookingId: payload.bookingId,
        callerDid,
        reason: payload.reason,
        constraints: payload.constraints,
        slot: payload.slot,
        ...(access !== undefined ? { access } : {})
      })).pipe(Effect.map((answer) => access !== undefined && !access.rules.guestsMayReschedule ? { ...answer, proposed: true } : answer))))
