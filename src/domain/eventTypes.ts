import { Schema } from "effect"
import { DEFAULT_DURATION_LADDER_MIN } from "./slots/coarse"

/**
 * Event types (issue 15 item 2): what a host offers to be booked, as an `app.overlap.eventType` record says it
 * (docs/records.md). Pure definitions shared by the index, the matching methods and the invitation.
 */

/** Where a meeting takes place: the record's location union, `$type` kept as the lexicon names it. */
export const EventLocation = Schema.Union(
  Schema.Struct({ $type: Schema.Literal("app.overlap.defs#locationInPerson"), address: Schema.String }),
  Schema.Struct({ $type: Schema.Literal("app.overlap.defs#locationPhone"), phone: Schema.String }),
  Schema.Struct({ $type: Schema.Literal("app.overlap.defs#locationVideo"), url: Schema.String }),
  Schema.Struct({ $type: Schema.Literal("app.overlap.defs#locationConference"), provider: Schema.String })
)
export type EventLocation = typeof EventLocation.Type

const isEventLocation = Schema.is(EventLocation)
/** The location when it is of a kind this version knows; undefined when absent or of a newer kind. */
export const knownLocation = (location: unknown): EventLocation | undefined =>
  isEventLocation(location) ? location : undefined

/** The conference kinds a `locationConference` may ask for. */
export const CONFERENCE_PROVIDERS: ReadonlyArray<string> = ["auto", "googleMeet", "microsoftTeams"]

/** A slug: lowercase letters and digits in groups joined by single hyphens, at most 64 characters. */
export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
export const isSlug = (s: string): boolean => s.length <= 64 && SLUG.test(s)

/** The slug of the event type a host with none gets. */
export const DEFAULT_EVENT_TYPE_SLUG = "default"

/** The default event type's lengths: the privacy ladder every host has without one. */
export const DEFAULT_EVENT_TYPE_DURATIONS: ReadonlyArray<number> = DEFAULT_DURATION_LADDER_MIN
export const DEFAULT_EVENT_TYPE_NAME = "Meeting"
