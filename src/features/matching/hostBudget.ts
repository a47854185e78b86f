import { Effect } from "effect"
import type { MethodClass } from "../../domain/rateLimits"
import { RateLimited, RateLimiter, type RateLimitSubject } from "../../services/RateLimiter"
import { relationshipOf } from "./bookableOffers"

/**
 * The information budget on a host's calendar. Every answer about a host's free time (getAvailability,
 * match, reschedule) tells the caller something about the host's busy time, so beside the per-caller XRPC
 * limits each such call spends:
 * - one token of the (guest, host) bucket (`hostBudget`), and
 * - when the guest is a stranger to the host (the host does not follow them — following the host is
 *   something anyone can do — or anonymous), one token of the host's
 *   shared `hostStrangers` bucket: a wildcard domain mints any number of did:web DIDs, and all of them
 *   together get no more than this one bucket.
 * The host asking about their own calendar spends nothing. Spent before any calendar is read; a refusal
 * is `429 RateLimited`.
 */

const pairSubject = (guest: RateLimitSubject, hostDid: string): RateLimitSubject => `budget:${guest}>${hostDid}`
const strangersSubject = (hostDid: string): RateLimitSubject => `strangers:${hostDid}`

const spend = (subject: RateLimitSubject, methodClass: MethodClass) =>
  Effect.flatMap(RateLimiter, (limiter) => limiter.take(subject, methodClass)).pipe(
    Effect.flatMap((decision) =>
      decision.allowed
        ? Effect.void
        : Effect.fail(new RateLimited({
          message: `the information budget for this host is used up; retry in ${Math.max(1, Math.ceil(decision.retryAfterMs / 1000))} s`
        }))
    )
  )

/**
 * Spends the budget for `guest` (a DID, or the rate-limit subject of an anonymous caller, `ip:<prefix>`)
 * asking about `hostDid`.
 */
export const spendHostBudget = (hostDid: string, guest: { readonly did: string } | { readonly subject: RateLimitSubject }) =>
  Effect.gen(function*() {
    if ("did" in guest && guest.did === hostDid) return
    const subject = "did" in guest ? guest.did : guest.subject
    const stranger = "did" in guest
      ? yield* Effect.map(relationshipOf(hostDid, guest.did), (r) => !r.following)
      : true
    yield* spend(pairSubject(subject, hostDid), "hostBudget")
    if (stranger) yield* spend(strangersSubject(hostDid), "hostStrangers")
  })
