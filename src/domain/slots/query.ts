import { Schema } from "effect"

/**
 * The slot engine's input and output. Instants are UTC epoch milliseconds (integers) everywhere: cheap to
 * compare in the hot path and unambiguous; the API layer converts to and from ISO strings.
 *
 * These schemas describe the shape (and the bounds below); relations between fields (end after start,
 * durationMin ≤ durationMax, a known time zone …) are checked by `validateQuery`, which names the field.
 */

/** Bounds shared by the schemas and `validateQuery`. */
export const SlotBounds = {
  /** Instants from 1900-01-01 up to (not including) 2300-01-01 UTC. */
  minInstant: Date.UTC(1900, 0, 1),
  maxInstant: Date.UTC(2300, 0, 1),
  /** Buffers, durations and the step are at most a day. */
  maxMinutes: 1_440,
  /** Minimum notice at most a year. */
  maxNoticeMin: 366 * 1_440,
  /** The guest's search range (latest − earliest) at most 366 days. */
  maxRangeDays: 366,
  maxBookingsPerDay: 1_000,
  maxBookingsPerWeek: 7_000,
  /** A rolling booking horizon of at most two years. */
  maxHorizonDays: 730,
  /** Date overrides in one query, and hour ranges in one override. */
  maxDateOverrides: 200,
  maxOverrideHours: 6
} as const

export const Instant = Schema.Int.pipe(
  Schema.greaterThanOrEqualTo(SlotBounds.minInstant),
  Schema.lessThan(SlotBounds.maxInstant)
).annotations({ identifier: "Instant", description: "A UTC instant in epoch milliseconds" })

export const TimeZoneId = Schema.String.annotations({
  identifier: "TimeZoneId",
  description: "An IANA time zone name, e.g. Europe/Berlin"
})

export const Weekday = Schema.Int.pipe(Schema.between(1, 7)).annotations({
  identifier: "Weekday",
  description: "ISO weekday: 1 = Monday … 7 = Sunday"
})

export const LocalTime = Schema.String.pipe(Schema.pattern(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/)).annotations({
  identifier: "LocalTime",
  description: "A wall-clock time HH:MM (24:00 is the following midnight)"
})

const Minutes = Schema.Int.pipe(Schema.between(0, SlotBounds.maxMinutes))
const PositiveMinutes = Schema.Int.pipe(Schema.between(1, SlotBounds.maxMinutes))

/** A civil date YYYY-MM-DD (a day in some zone, not an instant). */
export const CivilDate = Schema.String.pipe(Schema.pattern(/^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/)).annotations({
  identifier: "CivilDate",
  description: "A calendar date YYYY-MM-DD"
})

/** Local hours [start, end) on a day: end after start, "24:00" is the day's end. */
export const LocalHours = Schema.Struct({ start: LocalTime, end: LocalTime }).annotations({ identifier: "LocalHours" })
export type LocalHours = typeof LocalHours.Type

/**
 * The host's hours on the host-local days `from`…`until` (inclusive) instead of the usual: only within `hours`
 * (no hours = the days off). Time outside them blocks matching like busy time; an override never opens time
 * the offers do not offer.
 */
export const DateOverride = Schema.Struct({
  from: CivilDate,
  until: CivilDate,
  hours: Schema.Array(LocalHours)
}).annotations({ identifier: "DateOverride" })
export type DateOverride = typeof DateOverride.Type

/** A half-open interval [start, end) of UTC instants. */
export const Interval = Schema.Struct({ start: Instant, end: Instant }).annotations({ identifier: "Interval" })
export type Interval = typeof Interval.Type

/** A concrete offer window (as in an `app.overlap.slotOffer` record), with the zone that owns its grid. */
export const OfferWindow = Schema.TaggedStruct("window", {
  start: Instant,
  end: Instant,
  timeZone: TimeZoneId
}).annotations({ identifier: "OfferWindow" })
export type OfferWindow = typeof OfferWindow.Type

/**
 * A weekly rule in the rule's own zone: on each listed weekday, from `start` to `end` local time. An `end`
 * earlier than `start` crosses midnight (22:00–02:00 ends on the next day); the weekday is the start's.
 * `validFrom` / `validUntil` (instants) cut the rule's windows to [validFrom, validUntil); absent = unbounded.
 */
export const WeeklyOffer = Schema.TaggedStruct("weekly", {
  timeZone: TimeZoneId,
  weekdays: Schema.Array(Weekday),
  start: LocalTime,
  end: LocalTime,
  validFrom: Schema.optional(Instant),
  validUntil: Schema.optional(Instant)
}).annotations({ identifier: "WeeklyOffer" })
export type WeeklyOffer = typeof WeeklyOffer.Type

export const Offer = Schema.Union(OfferWindow, WeeklyOffer)
export type Offer = typeof Offer.Type

export const GuestConstraints = Schema.Struct({
  /** The guest's zone: `weekdays` are judged on the guest's wall clock. */
  timeZone: TimeZoneId,
  durationMin: PositiveMinutes,
  durationMax: PositiveMinutes,
  /** A candidate starts at or after `earliest` and ends at or before `latest`. */
  earliest: Instant,
  latest: Instant,
  /** Weekdays (in the guest's zone) a candidate may start on; omitted = every day. */
  weekdays: Schema.optional(Schema.Array(Weekday))
}).annotations({ identifier: "GuestConstraints" })
export type GuestConstraints = typeof GuestConstraints.Type

export const HostRules = Schema.Struct({
  /** The host's home zone: `maxBookingsPerDay` counts host-local days. */
  timeZone: TimeZoneId,
  /** Time the host keeps free before / after each meeting (see engine.ts for the exact rule). */
  bufferBeforeMin: Minutes,
  bufferAfterMin: Minutes,
  minimumNoticeMin: Schema.Int.pipe(Schema.between(0, SlotBounds.maxNoticeMin)),
  /** Holds + bookings starting on one host-local day; omitted = no limit. */
  maxBookingsPerDay: Schema.optional(Schema.Int.pipe(Schema.between(0, SlotBounds.maxBookingsPerDay))),
  /** Holds + bookings starting in one host-local ISO week (Monday to Sunday); omitted = no limit. */
  maxBookingsPerWeek: Schema.optional(Schema.Int.pipe(Schema.between(0, SlotBounds.maxBookingsPerWeek))),
  /** Rolling horizon: a candidate ends by the end of the host-local day `horizonDays` after today; omitted = none. */
  horizonDays: Schema.optional(Schema.Int.pipe(Schema.between(0, SlotBounds.maxHorizonDays))),
  /** Fixed horizon: candidates lie within the host-local days `bookableFrom`…`bookableUntil` (inclusive). */
  bookableFrom: Schema.optional(CivilDate),
  bookableUntil: Schema.optional(CivilDate),
  /** Days with other hours or none, in the host's zone (private: never in an answer). */
  dateOverrides: Schema.optional(Schema.Array(DateOverride)),
  slotStepMin: PositiveMinutes,
  /** Omitted = the guest's durationMin. */
  preferredDurationMin: Schema.optional(PositiveMinutes)
}).annotations({ identifier: "HostRules" })
export type HostRules = typeof HostRules.Type

export const SlotQuery = Schema.Struct({
  now: Instant,
  /** N: the most candidates to return (≥ 1). */
  limit: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  offers: Schema.Array(Offer),
  hostBusy: Schema.Array(Interval),
  guestBusy: Schema.Array(Interval),
  /** The host's live holds and confirmed bookings: they block time, need buffers and count per day. */
  holds: Schema.Array(Interval),
  bookings: Schema.Array(Interval),
  host: HostRules,
  guest: GuestConstraints
}).annotations({ identifier: "SlotQuery" })
export type SlotQuery = typeof SlotQuery.Type

/** A candidate meeting [start, end) in UTC epoch milliseconds. */
export const Slot = Schema.Struct({ start: Instant, end: Instant }).annotations({ identifier: "Slot" })
export type Slot = typeof Slot.Type
