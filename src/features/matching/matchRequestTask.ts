import { Cause, Clock, Effect, Exit, Option } from "effect"
import type { MatchRequestTask } from "../../domain/calendar/calendarTask"
import { toMatchRequest } from "../../domain/holds/matchInput"
import { slotRulesOf } from "../../domain/matching/hostRules"
import { eventTypeKeys, hostRulesFor } from "../settings/hostRulesFor"
import { type EventType, eventTypeDurations, eventTypeFor, narrowToEventType } from "./eventTypes"
import { titleFieldOf } from "../../domain/booking/booking"
import type { DefsConstraints } from "../../lexicon/schemas"
import { bookableOffers } from "./bookableOffers"
import { bookingIdFor, matchAndRecord, recordRefusedMatch } from "./matchAndRecord"
import { BookingRequestsRepo, type BookingRequestStatus } from "../../services/BookingRequestsRepo"
import { didSubject, RateLimiter } from "../../services/RateLimiter"

/**
 * The `match-request` task (an indexed `app.overlap.bookingRequest`): the same path as the XRPC `match` —
 * the request's offer (or the host's offers), the policy tier, `HoldStore.match` — then the request's
 * indexed status becomes `held` or `declined`.
 *
 * - Acked: a request that is gone or no longer pending (a redelivery), a hold, a final refusal (tier, no
 *   offer, no slot, invalid constraints, the guest's `match` budget spent, the guest's live holds on this
 *   host at the host's limit → `declined`, with the refusal's name as the request's `statusReason`).
 * - Charged: a record's match spends the guest's `match` rate-limit bucket, the same one the XRPC `match`
 *   spends (src/features/xrpc/RateLimit.ts), on its first delivery (a redelivery after a pending match or a
 *   retry is not charged again).
 * - Retried: a pending match (the hold store is idempotent per booking id, so the retry reads its outcome),
 *   an unreachable calendar, graph, hold store or database — with backoff, toward the dead-letter queue.
 */

export const handleMatchRequest = (message: Message<MatchRequestTask>, retryDelaySeconds: (attempts: number) => number) =>
  Effect.gen(function*() {
    const requests = yield* BookingRequestsRepo
    const uri = message.body.requestUri
    const retry = (why: string) =>
      Effect.logWarning(`calendar-tasks: match-request ${why}; retrying`, { requestUri: uri }).pipe(
        Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }))
      )
    const settle = (status: BookingRequestStatus, reason?: string) =>
      requests.setStatus(uri, status, reason).pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.sync(() => message.ack()),
          onFailure: (error) => error._tag === "BookingRequestNotFound" ? Effect.sync(() => message.ack()) : retry("status not saved")
        })
      )

    const found = yield* Effect.either(requests.get(uri))
    if (found._tag === "Left") return yield* retry("could not be read")
    if (Option.isNone(found.right) || found.right.value.status !== "pending") return message.ack()
    const request = found.right.value

    // The same per-guest budget as the XRPC `match` (issue 12, item 1): records are not a way around it.
    if (message.attempts <= 1) {
      const limiter = yield* RateLimiter
      const decision = yield* Effect.either(limiter.take(didSubject(request.guestDid), "match"))
      if (decision._tag === "Left") return yield* retry(decision.left._tag)
      if (!decision.right.allowed) {
        yield* Effect.logInfo("calendar-tasks: match-request over the guest's match budget; declined", { requestUri: uri })
        return yield* settle("declined", "RateLimited")
      }
    }

    const started = yield* Clock.currentTimeMillis
    const declined = (reason: string) => Effect.andThen(recordRefusedMatch(reason, started), settle("declined", reason))
    // The event type the record names (issue 15), as app.overlap.match takes it: its offers, tier, lengths, rules
    // and location. One that is not the host's, or lengths it does not allow: declined (InvalidEventType).
    let eventType: EventType | undefined
    if (request.eventType != null) {
      const found = yield* Effect.exit(eventTypeFor(request.hostDid, request.eventType))
      if (Exit.isFailure(found)) {
        return yield* (Option.isSome(Cause.failureOption(found.cause)) ? declined("InvalidEventType") : retry("event type could not be read"))
      }
      eventType = found.value
    }
    const lengths = yield* Effect.either(eventTypeDurations(eventType, request.constraints.durationMin, request.constraints.durationMax, "constraints."))
    if (lengths._tag === "Left") return yield* declined("InvalidEventType")
    const offers = yield* Effect.either(Effect.flatMap(
      bookableOffers(request.hostDid, request.guestDid, request.offerUri ?? undefined),
      (all) => (eventType === undefined ? Effect.succeed(all) : narrowToEventType(request.hostDid, request.guestDid, all, eventType))
    ))
    if (offers._tag === "Left") {
      const error = offers.left
      if (error._tag === "GraphUnavailable" || error._tag === "RepositoryError") return yield* retry(error._tag)
      return yield* declined(error._tag)
    }
    const host = yield* Effect.either(hostRulesFor(request.hostDid, eventTypeKeys(eventType)))
    if (host._tag === "Left") return yield* retry(host.left._tag)
    const matchRequest = toMatchRequest({
      hostDid: request.hostDid,
      guestDid: request.guestDid,
      bookingId: yield* bookingIdFor(request.guestDid, "bookingRequest", uri),
      offers: offers.right,
      // Indexed records passed lexicon validation; the slot engine re-checks every field.
      constraints: { ...(request.constraints as DefsConstraints), ...lengths.right },
      hostRules: slotRulesOf(host.right.rules, host.right.timeZone ?? offers.right[0]!.tz),
      now: started,
      requestUri: uri,
      ...(request.offerUri !== null ? { offerUri: request.offerUri } : {})
    })
    const outcome = yield* Effect.either(matchAndRecord({
      ...matchRequest,
      liveHoldsPerGuest: host.right.rules.maxLiveHoldsPerGuest,
      // where the meeting takes place: kept on the booking, written into both calendar events at confirmation
      ...(eventType?.location !== undefined ? { location: eventType.location } : {}),
      // what the meeting is called in its notifications (bookings.title)
      ...titleFieldOf(eventType?.name)
    }))
    if (outcome._tag === "Right") {
      if (outcome.right._tag === "Held") return yield* settle("held")
      return message.retry({ delaySeconds: outcome.right.retryAfterSec })
    }
    switch (outcome.left._tag) {
      case "NoSlotAvailable":
      case "TooManyHolds":
        return yield* settle("declined", outcome.left._tag)
      case "SlotInputInvalid":
        return yield* settle("declined", "InvalidConstraints")
      case "CalendarUnavailable":
      case "HoldStoreError":
        return yield* retry(outcome.left._tag)
    }
  })
