import { HttpServerRequest } from "@effect/platform"
import { Clock, Effect, Either } from "effect"
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "../../../domain/idempotency"
import { toMatchRequest } from "../../../domain/holds/matchInput"
import { slotRulesOf } from "../../../domain/matching/hostRules"
import type { MatchInput } from "../../../lexicon/schemas"
import { slotSearchFor } from "../../../domain/holds/slotSearch"
import { coarsenBounds } from "../../../domain/slots/coarse"
import { BookingNotes } from "../../../services/BookingNotes"
import { CalendarUnavailable, NoSlotAvailable } from "../../../services/HoldStore"
import { Caller } from "../../xrpc/Caller"
import { idempotent } from "../../xrpc/Idempotency"
import { spendHostBudget } from "../hostBudget"
import { bookingIdFor, matchAndRecord, recordRefusedMatch } from "../matchAndRecord"
import { holdView } from "../matchingViews"
import { invalidConstraints } from "../offerAccess"
import { eventTypeDurations, eventTypeFor, ladderOf, offersForEventType } from "../eventTypes"
import { titleFieldOf } from "../../../domain/booking/booking"
import { eventTypeKeys, hostRulesFor } from "../../settings/hostRulesFor"

/**
 * app.overlap.match: finds a time that fits both calendars and holds it on both — answered with the hold, or
 * with a token to poll (202) when the match continues in the background. Idempotent per (caller, key).
 */
export const match = ({ payload }: { readonly payload: MatchInput }) =>
  idempotent(Effect.gen(function*() {
    const caller = yield* Caller
    const started = yield* Clock.currentTimeMillis
    const http = yield* HttpServerRequest.HttpServerRequest
    const key = Either.getOrElse(parseIdempotencyKey(http.headers[IDEMPOTENCY_KEY_HEADER]), () => "")
    // One booking per (caller, key): a retry after a lost answer reaches the same hold.
    const bookingId = yield* bookingIdFor(caller.did, "app.overlap.match", key)
    // An event type (issue 15 item 2) narrows the offers, adds its tier and fixes the lengths (docs/records.md).
    const eventType = yield* eventTypeFor(payload.hostDid, payload.eventType)
    const usable = yield* offersForEventType(payload.hostDid, caller.did, payload.offerUri, eventType).pipe(
      Effect.tapError((error) => recordRefusedMatch(error._tag, started))
    )
    const lengths = yield* eventTypeDurations(eventType, payload.constraints.durationMin, payload.constraints.durationMax, "constraints.")
    // The host's own rules (private settings, docs/host-rules.md), read per request.
    const host = yield* hostRulesFor(payload.hostDid, eventTypeKeys(eventType)).pipe(Effect.orDie)
    const asked = toMatchRequest({
      hostDid: payload.hostDid,
      guestDid: caller.did,
      bookingId,
      offers: usable,
      constraints: { ...payload.constraints, ...lengths },
      hostRules: slotRulesOf(host.rules, host.timeZone ?? usable[0]!.tz),
      now: started,
      ...(payload.offerUri !== undefined ? { offerUri: payload.offerUri } : {})
    })
    // Bad input is refused as given; then lengths go up the ladder and the bounds to the grid (coarse.ts), so
    // that no two answers differ by a minute-exact edge of someone's busy time.
    const valid = slotSearchFor(asked, started, 1)
    if (Either.isLeft(valid)) return yield* invalidConstraints("constraints.")(valid.left)
    const coarse = coarsenBounds(asked.guest, ladderOf(eventType), asked.host.slotStepMin)
    if (Either.isLeft(coarse)) return yield* invalidConstraints("constraints.")(coarse.left)
    if (coarse.right.latest - coarse.right.earliest < coarse.right.durationMin * 60_000) {
      return yield* new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
    }
    const request = {
      ...asked,
      guest: coarse.right,
      liveHoldsPerGuest: host.rules.maxLiveHoldsPerGuest,
      // where the meeting takes place: kept on the booking, written into both calendar events at confirmation
      ...(eventType?.location !== undefined ? { location: eventType.location } : {}),
      // what the meeting is called in its notifications (bookings.title)
      ...titleFieldOf(eventType?.name)
    }
    // Every answer about the host's free time spends the (guest, host) information budget (hostBudget.ts).
    yield* spendHostBudget(payload.hostDid, { did: caller.did })
    const outcome = yield* matchAndRecord(request).pipe(
      Effect.catchTags({
        SlotInputInvalid: (error) => Effect.fail(invalidConstraints("constraints.")(error)),
        // whose calendar, never why in detail
        CalendarUnavailable: (error) =>
          Effect.fail(new CalendarUnavailable({ ...error, message: `the ${error.party}'s calendar cannot be reached right now; try again later` })),
        HoldStoreError: (error) => Effect.die(error)
      })
    )
    // the guest's note to the host, sealed, kept with the booking (once: a retry reaches the same booking id)
    if (payload.note !== undefined && payload.note.trim() !== "") {
      yield* (yield* BookingNotes).put(bookingId, caller.did, payload.note).pipe(Effect.orDie)
    }
    if (outcome._tag === "Held") {
      // the slot also on the guest's clock (constraints.tz) and the host's (issue 15 item 6)
      const zones = { guestTz: payload.constraints.tz, hostTz: request.host.timeZone }
      return { result: { $type: "app.overlap.defs#hold" as const, ...holdView(outcome, zones) } }
    }
    return { result: { $type: "app.overlap.defs#pendingMatch" as const, token: outcome.token, retryAfterSec: outcome.retryAfterSec } }
  }))
