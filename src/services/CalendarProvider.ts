import { Context, type Effect, Schema } from "effect"
import { Conference, type MeetingDetails } from "../domain/booking/meetingPlace"

/**
 * A user's calendars, whatever backs them (Google, Microsoft Graph, CalDAV, or the local
 * calendar of the embedded default). Busy intervals are private: they live only in memory during
 * a match and are never stored, logged or returned to anyone (docs/privacy.md).
 */

/** A half-open interval [start, end) in epoch milliseconds (UTC). */
export interface Interval {
  readonly start: number
  readonly end: number
}

/** Where a tentative hold lives on one provider, enough to confirm, move or release it later. */
export class HoldRef extends Schema.Class<HoldRef>("HoldRef")({
  provider: Schema.Literal("google", "microsoft", "caldav", "local", "test"),
  connectorId: Schema.String,
  calendarId: Schema.String,
  eventId: Schema.String,
  /** Version tag for conditional updates (CalDAV ETag, Graph @odata.etag, Google etag). */
  etag: Schema.optional(Schema.String),
  /** The online meeting the provider made for this event when it was confirmed (Google Meet, Teams). */
  conference: Schema.optional(Conference)
}) {}

export interface HoldRequest {
  /** Overlap's booking id; stored on the provider event (private extended property / X- prop / UID). */
  readonly bookingId: string
  readonly start: number
  readonly end: number
  /** IANA zone the event is presented in. */
  readonly tz: string
  readonly summary: string
}

/** The provider refused for a while; try again after `retryAfterMs`. */
export class ProviderRateLimited extends Schema.TaggedError<ProviderRateLimited>()("ProviderRateLimited", {
  provider: Schema.String,
  retryAfterMs: Schema.Number
}) {}

/** Network failure, timeout or 5xx: retryable. */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  provider: Schema.String,
  cause: Schema.Defect
}) {}

/** The connector can no longer be used (revoked grant, deleted calendar): the user must reconnect. */
export class ConnectorBroken extends Schema.TaggedError<ConnectorBroken>()("ConnectorBroken", {
  provider: Schema.String,
  connectorId: Schema.String,
  reason: Schema.String
}) {}

/** The provider answered, but not as documented or not as we asked (4xx other than auth/limits). */
export class ProviderRejected extends Schema.TaggedError<ProviderRejected>()("ProviderRejected", {
  provider: Schema.String,
  status: Schema.Number,
  message: Schema.String
}) {}

/** A hold that no longer exists on the provider (deleted by the user, or already released). */
export class HoldGone extends Schema.TaggedError<HoldGone>()("HoldGone", {
  provider: Schema.String,
  eventId: Schema.String
}) {}

export type ProviderError = ProviderRateLimited | ProviderUnavailable | ConnectorBroken | ProviderRejected

export class CalendarProvider extends Context.Tag("overlap/CalendarProvider")<
  CalendarProvider,
  {
    /** Busy intervals of every calendar the user selected, merged, within [range.start, range.end). */
    readonly busy: (did: string, range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
    /** Places a tentative event; idempotent per (did, bookingId): a retry returns the same hold. */
    readonly placeHold: (did: string, hold: HoldRequest) => Effect.Effect<HoldRef, ProviderError>
    /**
     * Turns a tentative hold into a confirmed event, with where the meeting is (`meeting`: location, join link,
     * description; on the host's side the conference to create, answered in the ref's `conference`).
     */
    readonly confirmHold: (did: string, ref: HoldRef, meeting?: MeetingDetails) => Effect.Effect<HoldRef, ProviderError | HoldGone>
    /** Moves a hold or event to a new time (reschedule), keeping its identity. */
    readonly moveHold: (did: string, ref: HoldRef, to: Interval) => Effect.Effect<HoldRef, ProviderError | HoldGone>
    /** Deletes the hold or event; releasing one that is already gone succeeds. */
    readonly releaseHold: (did: string, ref: HoldRef) => Effect.Effect<void, ProviderError>
  }
>() {}
