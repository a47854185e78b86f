import { Either } from "effect"
import type { SettingsDefsRules, SettingsDefsSettings } from "../../lexicon/schemas"
import { DEFAULT_HOST_RULES, type HostBookingRules } from "../matching/hostRules"
import { MINUTES_PER_DAY, parseLocalTime } from "../slots/civil"
import { parseCivilDate } from "../slots/hostCalendar"
import { type DateOverride, SlotBounds } from "../slots/query"
import { zoneFor } from "../slots/zone"

/**
 * A host's private settings (`app.overlap.settings.*`, docs/host-rules.md): base rules, per-event-type rules
 * keyed by the event type's slug or at-uri, date overrides and the zone they are read in. Ranges are the
 * lexicon's; what a lexicon cannot say (real dates, zones, order) is checked here and named by field.
 */
export type HostSettings = SettingsDefsSettings

/** A host who never saved settings. */
export const NO_SETTINGS: HostSettings = { rules: {} }

/** A setting that cannot be used: the field's path as the caller wrote it and why. */
export interface SettingsInvalid {
  readonly field: string
  readonly reason: string
}

/** The rules where the settings name none (the lexicon's defaults). */
export const DEFAULT_RULES_VIEW: SettingsDefsRules = DEFAULT_HOST_RULES

class Invalid {
  constructor(readonly field: string, readonly reason: string) {}
}
const fail = (field: string, reason: string): never => {
  throw new Invalid(field, reason)
}

const civilDate = (text: string, field: string): number =>
  parseCivilDate(text) ?? fail(field, "must be a real date YYYY-MM-DD")

const checkRules = (rules: SettingsDefsRules, field: string): void => {
  const first = rules.bookableFrom === undefined ? undefined : civilDate(rules.bookableFrom, `${field}.bookableFrom`)
  const last = rules.bookableUntil === undefined ? undefined : civilDate(rules.bookableUntil, `${field}.bookableUntil`)
  if (first !== undefined && last !== undefined && last < first) fail(`${field}.bookableUntil`, "must not be before bookableFrom")
}

const checkOverrides = (overrides: NonNullable<HostSettings["dateOverrides"]>): void =>
  overrides.forEach((o, i) => {
    const field = `dateOverrides.${i}`
    const first = civilDate(o.from, `${field}.from`)
    const last = o.until === undefined ? first : civilDate(o.until, `${field}.until`)
    if (last < first) fail(`${field}.until`, "must not be before from")
    if (last - first >= SlotBounds.maxRangeDays) fail(`${field}.until`, `must be less than ${SlotBounds.maxRangeDays} days after from`)
    o.hours.forEach((h, j) => {
      const start = parseLocalTime(h.start)
      const end = parseLocalTime(h.end)
      if (start === undefined || start === MINUTES_PER_DAY) fail(`${field}.hours.${j}.start`, "must be a local time HH:MM before 24:00")
      if (end === undefined) fail(`${field}.hours.${j}.end`, "must be a local time HH:MM (24:00 allowed)")
      if (end! <= start!) fail(`${field}.hours.${j}.end`, "must be after start")
    })
  })

/** The settings as given when every field is usable, else the first unusable field. */
export const validateSettings = (settings: HostSettings): Either.Either<HostSettings, SettingsInvalid> => {
  try {
    if (settings.timeZone !== undefined && zoneFor(settings.timeZone) === undefined) {
      fail("timeZone", `unknown IANA time zone "${settings.timeZone}"`)
    }
    checkRules(settings.rules, "rules")
    const seen = new Set<string>()
    ;(settings.eventTypes ?? []).forEach((entry, i) => {
      if (entry.eventType.length === 0) fail(`eventTypes.${i}.eventType`, "must not be empty")
      if (seen.has(entry.eventType)) fail(`eventTypes.${i}.eventType`, "names an event type listed before")
      seen.add(entry.eventType)
      checkRules(entry.rules, `eventTypes.${i}.rules`)
    })
    checkOverrides(settings.dateOverrides ?? [])
    return Either.right(settings)
  } catch (e) {
    if (e instanceof Invalid) return Either.left({ field: e.field, reason: e.reason })
    throw e
  }
}

/** Only the fields a rule set names (undefined ones dropped), so a merge keeps what is below. */
const named = (rules: SettingsDefsRules): Partial<HostBookingRules> =>
  Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined)) as Partial<HostBookingRules>

/** What the rules of a host (and of one event type, by slug or at-uri) come to, with the zone to read them in. */
export interface EffectiveRules {
  readonly rules: HostBookingRules
  /** The host's zone when the settings name one; otherwise the caller uses the offer's. */
  readonly timeZone: string | undefined
}

/**
 * Defaults, then the host's rules, then the event type's: the first of `eventType`'s keys (its slug, its at-uri)
 * the settings list. The date overrides apply to every event type.
 */
export const effectiveRules = (settings: HostSettings, eventType?: string | ReadonlyArray<string>): EffectiveRules => {
  const keys = eventType === undefined ? [] : typeof eventType === "string" ? [eventType] : eventType
  const forType = keys.map((key) => settings.eventTypes?.find((e) => e.eventType === key)).find((e) => e !== undefined)
  const overrides: Array<DateOverride> = (settings.dateOverrides ?? []).map((o) => ({
    from: o.from,
    until: o.until ?? o.from,
    hours: o.hours.map((h) => ({ start: h.start, end: h.end }))
  }))
  const rules: HostBookingRules = {
    ...DEFAULT_HOST_RULES,
    ...named(settings.rules),
    ...(forType !== undefined ? named(forType.rules) : {}),
    ...(overrides.length > 0 ? { dateOverrides: overrides } : {})
  }
  return { rules, timeZone: settings.timeZone }
}
