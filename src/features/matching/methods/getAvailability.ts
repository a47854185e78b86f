import { Clock, Duration, Effect, Either } from "effect"
import { toMatchRequest } from "../../../domain/holds/matchInput"
import { slotSearchFor } from "../../../domain/holds/slotSearch"
import { slotRulesOf } from "../../../domain/matching/hostRules"
import { findSlots } from "../../../domain/slots"
import { coarsenBounds, spreadPick } from "../../../domain/slots/coarse"
import type { DefsConstraints, GetAvailabilityParams } from "../../../lexicon/schemas"
import { commitmentsRange } from "../../../domain/holds/candidates"
import type { SlotQuery } from "../../../domain/slots"
import { CalendarProvider, type Interval, type ProviderError } from "../../../services/CalendarProvider"
import { type CalendarParty, CalendarUnavailable, HoldStore } from "../../../services/HoldStore"
import { ipSubject } from "../../../services/RateLimiter"
import { CurrentRequester } from "../../xrpc/Requester"
import { spendHostBudget } from "../hostBudget"
import { currentGuest, invalidConstraints, resolveHost } from "../offerAccess"
import { eventTypeDurations, eventTypeFor, ladderOf, offersForEventType } from "../eventTypes"
import { slotView } from "../zonedSlots"
import { eventTypeKeys, hostRulesFor } from "../../settings/hostRulesFor"

/** How many candidate slots getAvailability answers with (the lexicon's maximum). */
const AVAILABILITY_SLOTS = 5
/** How many free slots the answer is spread over (`spreadPick`): about a month of 15-minute steps in working hours. */
const AVAILABILITY_CANDIDATES = 2_000
/** How long getAvailability waits for both calendars. */
const AVAILABILITY_BUDGET_MS = 2_000

const reasonOf = (error: ProviderError): CalendarUnavailable["reason"] => {
  switch (error._tag) {
    case "ProviderRateLimited":
      return "rate-limited"
    case "ProviderUnavailable":
      return "unavailable"
    case "ConnectorBroken":
      return "broken"
    case "ProviderRejected":
      return "rejected"
  }
}

/** One party's busy intervals within the budget; a failure says whose calendar, never why in detail. */
const busyOf = (party: CalendarParty, did: string, range: Interval) =>
  Effect.flatMap(CalendarProvider, (calendar) => calendar.busy(did, range)).pipe(
    Effect.timeoutFail({ duration: Duration.millis(AVAILABILITY_BUDGET_MS), onTimeout: () => "timeout" as const }),
    Effect.mapError((error) =>
      new CalendarUnavailable({
        party,
        reason: error === "timeout" ? "unavailable" : reasonOf(error),
        message: `the ${party}'s calendar cannot be reached right now; try again later`
      })
    )
  )

const NO_COMMITMENTS = { holds: [], bookings: [] }

/**
 * The host's holds and meetings as the host's object counts them for its caps (HoldStore.commitments), when
 * the host has a daily or weekly cap: a day or week the caps have closed then offers nothing here, as `match`
 * would refuse it. Without a cap they change nothing the host's calendar does not already say (holds and
 * meetings are on it). The spans stay in this fiber; the answer shows only which times are missing.
 */
const commitmentsFor = (hostDid: string, query: SlotQuery) => {
  if (query.host.maxBookingsPerDay === undefined && query.host.maxBookingsPerWeek === undefined) return Effect.succeed(NO_COMMITMENTS)
  const { from, until } = commitmentsRange(query)
  return Effect.flatMap(HoldStore, (holds) => holds.commitments(hostDid, from, until)).pipe(
    Effect.timeoutFail({ duration: Duration.millis(AVAILABILITY_BUDGET_MS), onTimeout: () => "timeout" as const }),
    Effect.mapError(() =>
      new CalendarUnavailable({ party: "host", reason: "unavailable", message: "the host's calendar cannot be reached right now; try again later" })
    )
  )
}

/** app.overlap.getAvailability: candidate slots that fit the host's offers, both calendars and the constraints. */
export const getAvailability = ({ urlParams }: { readonly urlParams: GetAvailabilityParams }) =>
  Effect.gen(function*() {
    const guest = yield* currentGuest
    const hostDid = yield* resolveHost(urlParams.host)
    // An event type (issue 15 item 2) narrows the offers, adds its tier and fixes the lengths (docs/records.md).
    const eventType = yield* eventTypeFor(hostDid, urlParams.eventType)
    const usable = yield* offersForEventType(hostDid, guest, urlParams.offer, eventType)
    const lengths = yield* eventTypeDurations(eventType, urlParams.durationMin, urlParams.durationMax ?? urlParams.durationMin, "")
    const constraints: DefsConstraints = {
      ...lengths,
      earliest: urlParams.earliest,
      latest: urlParams.latest,
      tz: urlParams.tz,
      ...(urlParams.days !== undefined ? { days: urlParams.days } : {})
    }
    const now = yield* Clock.currentTimeMillis
    // The host's own rules (private settings, docs/host-rules.md): notice, grid, buffers, horizon, time off.
    const host = yield* hostRulesFor(hostDid, eventTypeKeys(eventType)).pipe(Effect.orDie)
    const request = toMatchRequest({
      hostDid,
      guestDid: "did" in guest ? guest.did : "anonymous",
      bookingId: "availability",
      offers: usable,
      constraints,
      hostRules: slotRulesOf(host.rules, host.timeZone ?? usable[0]!.tz),
      now
    })
    // Bad input is refused before any calendar is asked, as given (an inverted range is still a 400).
    const asked = slotSearchFor(request, now, AVAILABILITY_SLOTS)
    if (Either.isLeft(asked)) return yield* invalidConstraints("")(asked.left)
    // Then the answer is made no more precise than the grid: lengths up the ladder, bounds to whole hours
    // (coarse.ts). The range is the one `match` would read for these coarse bounds.
    const coarse = coarsenBounds(request.guest, ladderOf(eventType))
    if (Either.isLeft(coarse)) return yield* invalidConstraints("")(coarse.left)
    if (coarse.right.latest <= coarse.right.earliest) return { slots: [] }
    const search = slotSearchFor({ ...request, guest: coarse.right }, now, AVAILABILITY_CANDIDATES)
    if (Either.isLeft(search)) return yield* invalidConstraints("")(search.left)
    const { query, range } = search.right
    if (range === undefined) return { slots: [] }
    // Every answer about the host's free time spends the (guest, host) information budget (hostBudget.ts).
    const requester = yield* CurrentRequester
    yield* spendHostBudget(hostDid, requester._tag === "Authenticated" ? { did: requester.did } : { subject: ipSubject(requester.ipPrefix) })
    // The busy intervals live only in this fiber: they go into the slot engine and nowhere else.
    // An anonymous guest has no calendar here: only the host's busy time (and the offer) shapes the slots.
    // Both calendars (and, with caps, the host's object) are asked at once, each within the budget.
    const { commitments, guestBusy, hostBusy } = yield* Effect.all({
      hostBusy: busyOf("host", hostDid, range),
      guestBusy: "did" in guest ? busyOf("guest", guest.did, range) : Effect.succeed([]),
      commitments: commitmentsFor(hostDid, query)
    }, { concurrency: 3 })
    const slots = findSlots({ ...query, hostBusy, guestBusy, holds: commitments.holds, bookings: commitments.bookings })
    if (Either.isLeft(slots)) return yield* invalidConstraints("")(slots.left)
    // A few free slots spread over the range, not the earliest few (which would map the busy time between them).
    const answer = spreadPick(slots.right, AVAILABILITY_SLOTS)
    // each slot also on the guest's clock (tz) and the host's (issue 15 item 6)
    return { slots: answer.map((slot) => slotView(slot, urlParams.tz, request.host.timeZone)) }
  })
