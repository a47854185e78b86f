import { Effect } from "effect"
import type { Booking } from "../../../domain/booking/booking"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import type {
  CalendarUnavailable,
  ConfirmedMeeting,
  ConfirmMeeting,
  DayShardsSwitchRefused,
  Held,
  HoldNotFound,
  HoldStoreError,
  HostCommitments,
  MarkerClaim,
  MarkerLease,
  MatchError,
  MatchNotFound,
  MatchOutcome,
  MatchStatus,
  NewMatchError,
  NotParticipant,
  RescheduleError,
  RescheduleRequest,
  ShardBackoff,
  WeekClaimRequest
} from "../../../services/HoldStore"
import { makeBookingsMirror } from "./BookingsMirror"
import { makeCommitmentsView } from "./CommitmentsView"
import { makeConfirm } from "./Confirm"
import { makeDayShardRouting } from "./DayShardRouting"
import { type EngineServices, type HostMatchEngineConfig, makeEngineContext } from "./EngineContext"
import { makeExpiry } from "./Expiry"
import { makeLocalMatch } from "./LocalMatch"
import { makeMarkers } from "./Markers"
import { makeMatches } from "./Matches"
import { makePendingMatches } from "./PendingMatches"
import { makePlanner } from "./Planner"
import { makeReleases } from "./Releases"
import { makeReschedule } from "./Reschedule"
import { makeWeekCaps } from "./WeekCaps"

/**
 * The host's single writer: matching, atomic holds, expiry and releases, over a `HoldLedger` (the object's
 * storage), the `CalendarProvider`, D1 `bookings` (the mirror the API and the cron read) and the queue.
 * One engine per host object; `HostMatchDO` runs it in workerd, `HoldStoreInProcess` in memory.
 *
 * A match: validate → free/busy of host and guest IN PARALLEL (within the budget) → in ONE synchronous
 * step, candidates from the slot engine with the ledger's holds and bookings counted as busy, and the first
 * one reserved in the ledger (Planner.ts) → tentative holds on both calendars in parallel → D1 mirror →
 * held. Any failure after the reservation rolls back: the calendars that took the hold release it, the
 * reservation is dropped, and the next candidate is tried (when a calendar refused that time) or the match
 * refuses (TwoPartyExecutor.ts, LocalMatch.ts).
 *
 * A reschedule moves a booked meeting in place through the same planner and executor, with the meeting's
 * own time left out of the busy set and its events moved instead of placed (Reschedule.ts).
 */
export interface HostMatchEngine {
  // the host's object (HoldStore)
  readonly match: (request: MatchRequest) => Effect.Effect<MatchOutcome, NewMatchError>
  readonly resumeMatch: (token: string) => Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError>
  readonly getMatchStatus: (token: string, callerDid: string) => Effect.Effect<MatchStatus, MatchNotFound | NotParticipant>
  /** Account deletion: this object's match records of `did` dropped, pending ones canceled (PendingMatches.ts). */
  readonly forgetMatchesOf: (did: string) => Effect.Effect<number, HoldStoreError>
  /** Account deletion, once the host's holds are released: where each lived among the day shards, forgotten. */
  readonly forgetShardHomesOf: (hostDid: string) => Effect.Effect<number>
  readonly confirm: (bookingId: string, meeting?: ConfirmMeeting) => Effect.Effect<ConfirmedMeeting, HoldNotFound | CalendarUnavailable | HoldStoreError>
  readonly reschedule: (request: RescheduleRequest) => Effect.Effect<Booking, RescheduleError>
  readonly release: (bookingId: string) => Effect.Effect<void, HoldStoreError>
  readonly expire: (bookingId: string) => Effect.Effect<void, HoldStoreError>
  /** The host's commitments meeting [from, until) (CommitmentsView.ts); `inDay`: this object is that day's shard. */
  readonly commitments: (hostDid: string, from: number, until: number, inDay?: number) => Effect.Effect<HostCommitments, HoldStoreError>
  /** The alarm: everything due now. */
  readonly wakeUp: Effect.Effect<void>
  // a day shard, called by the host's object and by the other day shards
  readonly matchInDay: (request: MatchRequest, day: number) => Effect.Effect<Held, NewMatchError | ShardBackoff>
  readonly claimMarker: (claim: MarkerClaim) => Effect.Effect<boolean>
  readonly dropMarker: (key: string) => Effect.Effect<void>
  readonly markerLease: (bookingId: string) => Effect.Effect<MarkerLease>
  /** Blocking holds of this object's own (markers not counted). */
  readonly blockingCount: Effect.Effect<number>
  // the host's object, called by its day shards: the weekly cap across shards (WeekCaps.ts)
  readonly claimWeek: (claim: WeekClaimRequest) => Effect.Effect<boolean>
  readonly dropWeekClaim: (bookingId: string) => Effect.Effect<void>
  // the host's object: the dayShards switch
  readonly dayShards: Effect.Effect<boolean>
  readonly setDayShards: (hostDid: string, on: boolean) => Effect.Effect<void, DayShardsSwitchRefused | HoldStoreError>
}

export const makeHostMatchEngine = (config: HostMatchEngineConfig): Effect.Effect<HostMatchEngine, never, EngineServices> =>
  Effect.map(makeEngineContext(config), (context): HostMatchEngine => {
    const { ledger } = context
    const planner = makePlanner(context)
    const releases = makeReleases(context)
    const mirror = makeBookingsMirror(context)
    const markers = makeMarkers(context)
    const weekCaps = makeWeekCaps(context)
    const runMatch = makeLocalMatch(context, { planner, releases, mirror, markers })
    const routing = makeDayShardRouting(context, runMatch)
    const pending = makePendingMatches(context, routing)
    const { match, matchInDay } = makeMatches(context, { runMatch, routing, pending })
    const { expire, wakeUp } = makeExpiry(context, { releases, mirror, markers, pending })
    return {
      match,
      resumeMatch: pending.resume,
      getMatchStatus: pending.status,
      forgetMatchesOf: pending.forgetOf,
      forgetShardHomesOf: (hostDid) => Effect.sync(() => ledger.forgetHomesOf(hostDid)),
      confirm: makeConfirm(context),
      reschedule: makeReschedule(context, planner),
      release: releases.release,
      expire,
      commitments: makeCommitmentsView(context),
      wakeUp,
      matchInDay,
      claimMarker: markers.claimMarker,
      dropMarker: markers.dropMarker,
      markerLease: markers.markerLease,
      claimWeek: weekCaps.claimWeek,
      dropWeekClaim: weekCaps.dropWeekClaim,
      blockingCount: Effect.sync(() => ledger.ownBlockingCount()),
      dayShards: Effect.sync(() => ledger.dayShards()),
      setDayShards: routing.setDayShards
    }
  })
