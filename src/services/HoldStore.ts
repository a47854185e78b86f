import type { Effect } from "effect"
import { HttpApiSchema } from "@effect/platform"
import { Context, Schema } from "effect"
import { SlotInputInvalid } from "../domain/slots"
import { BookingNotFound, BookingVersionConflict } from "./BookingsRepo"
import { NotParticipant } from "./NotParticipant"
import { Booking, BookingStatus } from "../domain/booking/booking"
import { EpochMillis } from "../domain/identifiers"
import { MatchRequest } from "../domain/holds/matchRequest"
import { Conference } from "../domain/booking/meetingPlace"
import { EventLocation } from "../domain/eventTypes"
import { ApiError } from "./ApiError"

/**
 * Atomic holds on a host's time. Every host has one single writer (`HostMatchDO`, one per host DID): a
 * match fetches both people's free/busy in parallel, reserves the chosen slot in the object's own storage
 * before any calendar is touched, then places tentative holds on both calendars; it succeeds only when
 * both do, and rolls back otherwise. Holds lapse after a TTL (15 minutes by default) unless confirmed.
 *
 * The API layer calls this service, never the Durable Object. `Live` goes over the `HOST_MATCH` binding
 * (src/adapters/objects/HoldStoreLive.ts); `HoldStoreInProcess` runs the same engine in memory
 * (src/features/matching/HoldStoreInProcess.ts).
 */

// ---------------------------------------------------------------- inputs

/** Where a meeting being confirmed takes place (its event type's location): what both calendar events say. */
export const ConfirmMeeting = Schema.Struct({ location: Schema.optional(EventLocation) })
export type ConfirmMeeting = typeof ConfirmMeeting.Type

/** What a confirm made: the conference the host's calendar created for the meeting, if one was asked for and made. */
export const ConfirmedMeeting = Schema.Struct({ conference: Schema.optional(Conference) })
export type ConfirmedMeeting = typeof ConfirmedMeeting.Type


/**
 * Moves an existing booking's meeting to a new time, in place: same booking id, same calendar events, same
 * D1 row. The new time is found like a match's (the booking's own current time is not counted as busy, so
 * it may move to an overlapping time) and written to D1 by compare-and-set on `expectedVersion`, together
 * with the caller's `patch` (the state machine's status, SEQUENCE and invitation key).
 */
export const RescheduleRequest = Schema.Struct({
  hostDid: MatchRequest.fields.hostDid,
  guestDid: MatchRequest.fields.guestDid,
  bookingId: MatchRequest.fields.bookingId,
  offers: MatchRequest.fields.offers,
  guest: MatchRequest.fields.guest,
  host: MatchRequest.fields.host,
  now: MatchRequest.fields.now,
  budgetMs: MatchRequest.fields.budgetMs,
  /** The D1 `bookings` version the caller decided on; a write in between is `BookingVersionConflict`. */
  expectedVersion: Schema.Int.pipe(Schema.positive()),
  /** Written in the same compare-and-set as the new start and end. */
  patch: Schema.Struct({
    status: Schema.optional(BookingStatus),
    sequence: Schema.optional(Schema.NonNegativeInt),
    icsR2Key: Schema.optional(Schema.NullOr(Schema.String)),
    proposedStartAt: Schema.optional(Schema.NullOr(EpochMillis)),
    proposedEndAt: Schema.optional(Schema.NullOr(EpochMillis)),
    proposedAt: Schema.optional(Schema.NullOr(EpochMillis))
  }),
  /**
   * A guest's proposal (the host's rules keep moves to the host): the new time is found exactly as for a
   * move, free on both calendars and within the request's offers and rules, but nothing moves; the row keeps
   * its time and gets the found time as its proposal (`proposedStartAt`/`proposedEndAt`) with `patch`.
   */
  propose: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "RescheduleRequest" })
export type RescheduleRequest = typeof RescheduleRequest.Type

// ---------------------------------------------------------------- outcomes

const CommitmentSpan = Schema.Struct({ start: Schema.Number, end: Schema.Number })
/** A host's blocking commitments in a range: reserved and held as `holds`, booked as `bookings`. */
export const HostCommitments = Schema.Struct({ holds: Schema.Array(CommitmentSpan), bookings: Schema.Array(CommitmentSpan) })
export type HostCommitments = typeof HostCommitments.Type

/** A slot held on both calendars until `expiresAt`. */
export class Held extends Schema.TaggedClass<Held>()("Held", {
  bookingId: Schema.String,
  start: EpochMillis,
  end: EpochMillis,
  expiresAt: EpochMillis
}) {}

/** The match continues in the background (providers rate-limited or slow): poll with the token. */
export class PendingMatch extends Schema.TaggedClass<PendingMatch>()("Pending", {
  token: Schema.String,
  retryAfterSec: Schema.Int.pipe(Schema.between(1, 600))
}) {}

export const MatchOutcome = Schema.Union(Held, PendingMatch)
export type MatchOutcome = typeof MatchOutcome.Type

/** Why a pending match ended without a hold (the `failure` of app.overlap.getMatchStatus). */
export const MatchFailure = Schema.Literal("NoSlotAvailable", "CalendarUnavailable", "InvalidConstraints", "TooManyHolds")
export type MatchFailure = typeof MatchFailure.Type

export const MatchStatus = Schema.Union(
  Schema.TaggedStruct("pending", { retryAfterSec: Schema.Int.pipe(Schema.between(1, 600)) }),
  Schema.TaggedStruct("held", { hold: Held }),
  Schema.TaggedStruct("failed", { failure: MatchFailure, message: Schema.String })
)
export type MatchStatus = typeof MatchStatus.Type

// ---------------------------------------------------------------- errors

/** No time fits both calendars, the offer and the constraints (or every fitting time is taken). */
export class NoSlotAvailable extends ApiError<NoSlotAvailable>()("NoSlotAvailable", 409) {}

export const CalendarParty = Schema.Literal("host", "guest")
export type CalendarParty = typeof CalendarParty.Type

/** A calendar the match needs cannot be used right now; `party` says whose (never why in detail). */
export class CalendarUnavailable extends Schema.TaggedError<CalendarUnavailable>()(
  "CalendarUnavailable",
  {
    party: CalendarParty,
    reason: Schema.Literal("rate-limited", "unavailable", "broken", "rejected", "gone"),
    message: Schema.String
  },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** No pending match with this token (unknown, or expired). */
export class MatchNotFound extends Schema.TaggedError<MatchNotFound>()(
  "MatchNotFound",
  { token: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  constructor(props: { readonly token: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? "token: unknown or expired" }, options)
  }
}

export { NotParticipant }

export class HoldNotFound extends Schema.TaggedError<HoldNotFound>()("HoldNotFound", {
  bookingId: Schema.String
}) {}

/** The hold store itself failed (the object could not be reached, its storage or D1 failed). Retryable. */
export class HoldStoreError extends Schema.TaggedError<HoldStoreError>()("HoldStoreError", {
  message: Schema.String,
  cause: Schema.Defect
}) {}

export type MatchError = NoSlotAvailable | CalendarUnavailable | SlotInputInvalid | HoldStoreError

/**
 * The guest already has as many live (reserved or held, unexpired) holds on this host's time as the host
 * allows (`MatchRequest.liveHoldsPerGuest`, default DEFAULT_LIVE_HOLDS_PER_GUEST): nothing was searched or
 * held. Checked by the host's object in the same synchronous step as the reservation, for every way in (XRPC
 * `match`, an indexed bookingRequest, a pending match resumed from its token). A retry of a booking that is
 * already held is answered with its hold, never this.
 */
export class TooManyHolds extends ApiError<TooManyHolds>()("TooManyHolds", 409) {}

/** Why a new match (not a reschedule) did not hold: a `MatchError` or the per-guest hold limit. */
export type NewMatchError = MatchError | TooManyHolds

/**
 * Why a reschedule did not move the booking (nothing changed then). `HoldNotFound`: the host object has no
 * booked meeting under that id; `BookingNotFound` / `BookingVersionConflict`: the D1 row is gone or changed.
 */
export type RescheduleError =
  | MatchError
  | HoldNotFound
  | BookingNotFound
  | BookingVersionConflict

// ---------------------------------------------------------------- the service

export class HoldStore extends Context.Tag("overlap/HoldStore")<HoldStore, {
  /**
   * Finds a slot for host and guest and holds it on both calendars, or answers with a token when the
   * providers are rate-limited or slower than the budget. Idempotent per `bookingId`: a retry returns the
   * same hold (or the same token).
   */
  readonly match: (request: MatchRequest) => Effect.Effect<MatchOutcome, NewMatchError>
  /** Progress of a pending match, for its guest or host only. */
  readonly getMatchStatus: (token: string, callerDid: string) => Effect.Effect<
    MatchStatus,
    MatchNotFound | NotParticipant | HoldStoreError
  >
  /** Runs a pending match again (the `calendar-tasks` consumer); `pending` means "try again later". */
  readonly resumeMatch: (token: string) => Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError>
  /**
   * The hold became a booking: confirms the events on both calendars and stops the expiry; the time stays
   * blocked. (The booking's D1 status is the caller's to change, before this call.)
   */
  readonly confirm: (hostDid: string, bookingId: string, meeting?: ConfirmMeeting) => Effect.Effect<
    ConfirmedMeeting,
    HoldNotFound | CalendarUnavailable | HoldStoreError
  >
  /**
   * Moves a booked meeting to a new time in place (reschedule): a new slot is chosen and reserved like a
   * match's, with the meeting's own current time not counting as busy; both calendar events are moved
   * (`moveHold`, rolled back if either calendar fails) and the booking's existing D1 row gets the new time
   * and `patch` in one compare-and-set. Answers the row as written. No pending path: a rate-limited or
   * slow calendar is `CalendarUnavailable`.
   */
  readonly reschedule: (request: RescheduleRequest) => Effect.Effect<Booking, RescheduleError>
  /**
   * Frees the time and releases both calendars (decline, cancel). Idempotent: releasing a released or
   * unknown hold succeeds. A provider failure is retried by the object, not reported.
   */
  readonly release: (hostDid: string, bookingId: string) => Effect.Effect<void, HoldStoreError>
  /**
   * Expires the hold if its time is up (the `expire-holds` cron's backstop for the object's alarm): D1
   * `held` → `expired`, then both calendars released. Idempotent; a booking that was confirmed meanwhile
   * is left alone.
   */
  readonly expire: (hostDid: string, bookingId: string) => Effect.Effect<void, HoldStoreError>
  /**
   * The host's blocking commitments meeting [from, until) as the host's object counts them for its caps:
   * reserved and held as `holds`, booked as `bookings` (with day shards on: gathered from the shards, each
   * hold once). For `getAvailability` (a day or week the caps have closed offers nothing); the spans never
   * leave the server.
   */
  readonly commitments: (hostDid: string, from: number, until: number) => Effect.Effect<HostCommitments, HoldStoreError>
}>() {}

// ---------------------------------------------------------------- the dayShards switch

/** The switch was not changed: doing it now could let two holds overlap (see the message). Nothing changed. */
export class DayShardsSwitchRefused extends Schema.TaggedError<DayShardsSwitchRefused>()("DayShardsSwitchRefused", {
  message: Schema.String
}) {}

/**
 * The per-host `dayShards` setting (default off): with it on, the host's object routes each match to the
 * object of one UTC day (`shardName(hostDid, day)`), earliest day first, so a very busy host's holds are
 * spread over several single writers. See docs/architecture.md, "Host+day shards". The host's own object
 * keeps the setting and checks, when it changes, that no hold can end up on both sides of the change:
 * turning it on needs no live hold or meeting in the host's object, turning it off needs none in its day
 * shards and no match sent to one for DAY_SHARDS_QUIET_MS. A separate tag from `HoldStore` (operators and
 * tests use it, the API does not).
 */
export class HoldStoreAdmin extends Context.Tag("overlap/HoldStoreAdmin")<HoldStoreAdmin, {
  readonly dayShards: (hostDid: string) => Effect.Effect<boolean, HoldStoreError>
  readonly setDayShards: (hostDid: string, on: boolean) => Effect.Effect<void, DayShardsSwitchRefused | HoldStoreError>
}>() {}

// ---------------------------------------------------------------- between a host's objects (day shards)

/** A day shard's match is rate-limited or slow: the host's object turns it into a pending match. */
export class ShardBackoff extends Schema.TaggedError<ShardBackoff>()("ShardBackoff", {
  retryAfterMs: Schema.Number,
  reason: Schema.String,
  party: Schema.optional(CalendarParty)
}) {}

/** A hold homed in another day shard, registered in this one (its real span, blocking until `dueAt`). */
export const MarkerClaim = Schema.Struct({
  key: Schema.String,
  hostDid: Schema.String,
  guestDid: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  dueAt: Schema.Number,
  gapMs: Schema.Number
})
export type MarkerClaim = typeof MarkerClaim.Type

/**
 * A day shard's reservation asking the host's object for a place under the host's weekly cap (day shards on):
 * granted while the host-local week of `start` has fewer than `max` claims of other bookings.
 */
export const WeekClaimRequest = Schema.Struct({
  bookingId: Schema.String,
  hostDid: Schema.String,
  start: Schema.Number,
  homeDay: Schema.Number,
  dueAt: Schema.Number,
  hostTz: Schema.String,
  max: Schema.Int.pipe(Schema.positive())
})
export type WeekClaimRequest = typeof WeekClaimRequest.Type

/** What a hold's home shard says about it when a marker of it comes due. */
export const MarkerLease = Schema.Union(
  Schema.TaggedStruct("blocking", {
    start: Schema.Number,
    end: Schema.Number,
    state: Schema.Literal("reserved", "held", "booked"),
    dueAt: Schema.Number
  }),
  Schema.TaggedStruct("gone", {})
)
export type MarkerLease = typeof MarkerLease.Type

// ---------------------------------------------------------------- the object's RPC surface

/** Every reply crosses the RPC boundary encoded, as `Either` (tagged errors do not survive structured clone). */
export const MatchReply = Schema.Either({
  right: MatchOutcome,
  left: Schema.Union(NoSlotAvailable, CalendarUnavailable, SlotInputInvalid, HoldStoreError, TooManyHolds)
})
export const StatusReply = Schema.Either({
  right: MatchStatus,
  left: Schema.Union(MatchNotFound, NotParticipant, HoldStoreError)
})
export const ResumeReply = Schema.Either({
  right: MatchStatus,
  left: Schema.Union(MatchNotFound, HoldStoreError)
})
export const ConfirmReply = Schema.Either({
  right: ConfirmedMeeting,
  left: Schema.Union(HoldNotFound, CalendarUnavailable, HoldStoreError)
})
export const VoidReply = Schema.Either({ right: Schema.Void, left: HoldStoreError })
export const RescheduleReply = Schema.Either({
  right: Booking,
  left: Schema.Union(
    NoSlotAvailable,
    CalendarUnavailable,
    SlotInputInvalid,
    HoldNotFound,
    BookingNotFound,
    BookingVersionConflict,
    HoldStoreError
  )
})

export const MatchInDayReply = Schema.Either({
  right: Held,
  left: Schema.Union(NoSlotAvailable, CalendarUnavailable, SlotInputInvalid, HoldStoreError, ShardBackoff, TooManyHolds)
})
export const ClaimReply = Schema.Either({ right: Schema.Boolean, left: HoldStoreError })
export const LeaseReply = Schema.Either({ right: MarkerLease, left: HoldStoreError })
export const CountReply = Schema.Either({ right: Schema.Number, left: HoldStoreError })
export const SettingReply = Schema.Either({ right: Schema.Boolean, left: HoldStoreError })
export const SwitchReply = Schema.Either({ right: Schema.Void, left: Schema.Union(DayShardsSwitchRefused, HoldStoreError) })
export const CommitmentsReply = Schema.Either({ right: HostCommitments, left: HoldStoreError })

/** The RPC methods of `HostMatchDO` (see src/entry/objects/HostMatchDO.ts). */
export interface HostMatchRpc {
  // a day shard, called by the host's object and by the other day shards
  matchInDay(request: typeof MatchRequest.Encoded, day: number): Promise<typeof MatchInDayReply.Encoded>
  claimMarker(claim: typeof MarkerClaim.Encoded): Promise<typeof ClaimReply.Encoded>
  dropMarker(key: string): Promise<typeof VoidReply.Encoded>
  markerLease(bookingId: string): Promise<typeof LeaseReply.Encoded>
  blockingCount(): Promise<typeof CountReply.Encoded>
  // the host's object, called by its day shards: the weekly cap across shards
  claimWeek(claim: typeof WeekClaimRequest.Encoded): Promise<typeof ClaimReply.Encoded>
  dropWeekClaim(bookingId: string): Promise<typeof VoidReply.Encoded>
  /** Commitments meeting [from, until); in a day shard (`day` given) only its own holds, those starting on that day. */
  commitments(hostDid: string, from: number, until: number, day?: number): Promise<typeof CommitmentsReply.Encoded>
  // the host's object: the dayShards switch
  dayShards(): Promise<typeof SettingReply.Encoded>
  setDayShards(hostDid: string, on: boolean): Promise<typeof SwitchReply.Encoded>

  match(request: typeof MatchRequest.Encoded): Promise<typeof MatchReply.Encoded>
  getMatchStatus(token: string, callerDid: string): Promise<typeof StatusReply.Encoded>
  /** Account deletion (HostObjectRecords): this object's match records of `did` dropped; how many were pending. */
  forgetMatchesOf(did: string): Promise<typeof CountReply.Encoded>
  /** Account deletion (HostObjectRecords), the host's own object: where its holds lived among the day shards. */
  forgetShardHomesOf(hostDid: string): Promise<typeof CountReply.Encoded>
  resumeMatch(token: string): Promise<typeof ResumeReply.Encoded>
  confirm(bookingId: string, meeting?: typeof ConfirmMeeting.Encoded): Promise<typeof ConfirmReply.Encoded>
  reschedule(request: typeof RescheduleRequest.Encoded): Promise<typeof RescheduleReply.Encoded>
  release(bookingId: string): Promise<typeof VoidReply.Encoded>
  expire(bookingId: string): Promise<typeof VoidReply.Encoded>
}
