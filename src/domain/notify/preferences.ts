import { Schema } from "effect"
import { IanaZone } from "../invitation/invitation"
import type { NotifyEvent } from "./task"

/**
 * What a person wants to hear about, and how. Per channel (e-mail, Bluesky DM) a switch and the kinds of
 * event it carries; reminders before confirmed meetings (when, or off); the person's own zone, so messages
 * show both people's local times. Stored sealed (TokenVault) with the address: a preference says something
 * about a person too.
 */

/** The kinds of event a person can turn on or off per channel. */
export const NotifyKind = Schema.Literal(
  "held",
  "confirmed",
  "declined",
  "canceled",
  "rescheduled",
  "expired",
  "reminder",
  "connector"
)
export type NotifyKind = typeof NotifyKind.Type
export const ALL_KINDS: ReadonlyArray<NotifyKind> = NotifyKind.literals

export const ChannelPreferences = Schema.Struct({
  enabled: Schema.Boolean,
  /** The kinds this channel carries (each at most once). */
  kinds: Schema.Array(NotifyKind).pipe(
    Schema.maxItems(ALL_KINDS.length),
    Schema.filter((kinds) => new Set(kinds).size === kinds.length || "each kind at most once")
  )
})
export type ChannelPreferences = typeof ChannelPreferences.Type

/** Between 5 minutes and 7 days before the start, at most 4 reminders. */
export const MIN_REMINDER_MINUTES = 5
export const MAX_REMINDER_MINUTES = 7 * 24 * 60

export const ReminderPreferences = Schema.Struct({
  enabled: Schema.Boolean,
  minutesBefore: Schema.Array(
    Schema.Int.pipe(Schema.between(MIN_REMINDER_MINUTES, MAX_REMINDER_MINUTES))
  ).pipe(
    Schema.maxItems(4),
    Schema.filter((m) => new Set(m).size === m.length || "each reminder time at most once")
  )
})
export type ReminderPreferences = typeof ReminderPreferences.Type

export const NotifyPreferences = Schema.Struct({
  email: ChannelPreferences,
  dm: ChannelPreferences,
  reminders: ReminderPreferences,
  /** The person's own zone; messages show the meeting in it (and in the other person's). */
  timeZone: Schema.optional(IanaZone)
})
export type NotifyPreferences = typeof NotifyPreferences.Type

/**
 * The defaults: e-mail on for every kind (sent only to a verified address), DMs off until the person opts in,
 * reminders 24 hours and 1 hour before.
 */
export const DEFAULT_PREFERENCES: NotifyPreferences = {
  email: { enabled: true, kinds: ALL_KINDS },
  dm: { enabled: false, kinds: ALL_KINDS },
  reminders: { enabled: true, minutesBefore: [24 * 60, 60] }
}

/** The preference kind of an event, or undefined for one that is always sent (e.g. address verification). */
export const kindOf = (event: NotifyEvent): NotifyKind | undefined => {
  switch (event.type) {
    case "booking.held":
      return "held"
    case "booking.confirmed":
      return "confirmed"
    case "booking.declined":
      return "declined"
    case "booking.canceled":
      return "canceled"
    case "booking.rescheduled":
    case "booking.reschedule_proposed":
    case "booking.reschedule_declined":
      return "rescheduled"
    case "booking.expired":
      return "expired"
    case "booking.reminder":
      return "reminder"
    case "connector.broken":
    case "booking.hold_released":
      return "connector"
    case "email.verify":
      return undefined
  }
}

/** Whether this channel carries this event for this person. */
export const wants = (preferences: NotifyPreferences, channel: "email" | "dm", event: NotifyEvent): boolean => {
  const kind = kindOf(event)
  if (kind === undefined) return channel === "email"
  const prefs = preferences[channel]
  return prefs.enabled && prefs.kinds.includes(kind)
}

/** The preferences with one kind turned off on one channel (a one-click unsubscribe). */
export const withoutKind = (preferences: NotifyPreferences, channel: "email" | "dm", kind: NotifyKind): NotifyPreferences => ({
  ...preferences,
  [channel]: { ...preferences[channel], kinds: preferences[channel].kinds.filter((k) => k !== kind) }
})
