import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { Did, EpochMillis } from "../domain/identifiers"
import type { Interval } from "./CalendarProvider"
import type { RepositoryError } from "./RepositoryError"

/**
 * The calendar of a user who keeps their calendar on Overlap instead of connecting Google, Microsoft or
 * CalDAV (the embedded default). Its events live in D1 (`local_calendar_events`) because Overlap IS this
 * calendar's server — unlike provider busy time, which is only ever read into memory during a match.
 *
 * This service is the owner's view (their own events); the same table answers `CalendarProvider` for
 * matching (`LocalCalendarLive`), where only busy intervals and Overlap's own holds are visible.
 */

export const LocalEventStatus = Schema.Literal("tentative", "confirmed")
export type LocalEventStatus = typeof LocalEventStatus.Type

export class LocalEvent extends Schema.Class<LocalEvent>("LocalEvent")({
  did: Did,
  eventId: Schema.NonEmptyString,
  startAt: EpochMillis,
  endAt: EpochMillis,
  status: LocalEventStatus,
  /** The Overlap booking this event belongs to (a hold or a booked meeting); null for the owner's own events. */
  bookingId: Schema.NullOr(Schema.String),
  summary: Schema.String,
  tz: Schema.String,
  createdAt: EpochMillis,
  updatedAt: EpochMillis,
  version: Schema.Int.pipe(Schema.positive())
}) {}

export interface NewLocalEvent {
  readonly start: number
  readonly end: number
  readonly summary: string
  /** IANA zone the event is presented in. */
  readonly tz: string
  /** Defaults to confirmed (the owner's own busy time). */
  readonly status?: LocalEventStatus
}

export class LocalEventNotFound extends Schema.TaggedError<LocalEventNotFound>()("LocalEventNotFound", {
  did: Schema.String,
  eventId: Schema.String
}) {}

export class LocalCalendar extends Context.Tag("overlap/LocalCalendar")<LocalCalendar, {
  /** Adds an event to the owner's calendar; it counts as busy from now on. */
  readonly addEvent: (did: string, event: NewLocalEvent) => Effect.Effect<LocalEvent, RepositoryError>
  /** Events meeting [range.start, range.end), earliest first. */
  readonly listEvents: (did: string, range: Interval) => Effect.Effect<ReadonlyArray<LocalEvent>, RepositoryError>
  readonly removeEvent: (did: string, eventId: string) => Effect.Effect<void, LocalEventNotFound | RepositoryError>
}>() {}
