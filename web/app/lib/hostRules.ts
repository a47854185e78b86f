// The rules page's model (/app/rules, docs/host-rules.md): a host's private rules and date overrides as the page
// edits them (text in inputs, empty = the default or, in an event type's rules, the host's value), the settings
// document `app.overlap.settings.put` takes, and a sentence for a 400 that names a field.
import type { DateOverride, Rules, Settings } from "../../../src/lexicon/types/app/overlap/settings/defs"

/** The rules that are whole numbers: the page's label, unit and the lexicon's range. */
export const NUMBER_RULES = [
  { key: "bufferBeforeMin", label: "Buffer before", unit: "minutes", min: 0, max: 1440 },
  { key: "bufferAfterMin", label: "Buffer after", unit: "minutes", min: 0, max: 1440 },
  { key: "minimumNoticeMin", label: "Minimum notice", unit: "minutes", min: 0, max: 527040 },
  { key: "slotStepMin", label: "Start times every", unit: "minutes", min: 5, max: 1440 },
  { key: "maxBookingsPerDay", label: "Most bookings a day", unit: "bookings", min: 1, max: 1000 },
  { key: "maxBookingsPerWeek", label: "Most bookings a week", unit: "bookings", min: 1, max: 7000 },
  { key: "horizonDays", label: "Bookable up to", unit: "days ahead", min: 0, max: 730 },
  { key: "maxLiveHoldsPerGuest", label: "Unconfirmed holds per guest", unit: "holds", min: 1, max: 20 }
] as const

export type NumberRule = (typeof NUMBER_RULES)[number]["key"]

/** The date rules (a fixed booking window). */
export const DATE_RULES = [
  { key: "bookableFrom", label: "Bookable from" },
  { key: "bookableUntil", label: "Bookable until" }
] as const

export type DateRule = (typeof DATE_RULES)[number]["key"]

/** `guestsMayReschedule` in a form: "" = not set (the default, or the host's value in an event type). */
export type Tristate = "" | "yes" | "no"

/** One rule set as the form holds it. */
export type RulesDraft = Readonly<Record<NumberRule | DateRule, string>> & { readonly guestsMayReschedule: Tristate }

export const emptyRulesDraft = (): RulesDraft => ({
  ...(Object.fromEntries([...NUMBER_RULES, ...DATE_RULES].map((rule) => [rule.key, ""])) as Record<NumberRule | DateRule, string>),
  guestsMayReschedule: ""
})

/** A stored rule set as the form shows it. */
export const draftOfRules = (rules: Rules | undefined): RulesDraft => {
  const draft: Record<string, string> = { ...emptyRulesDraft() }
  for (const { key } of NUMBER_RULES) if (rules?.[key] !== undefined) draft[key] = String(rules[key])
  for (const { key } of DATE_RULES) if (rules?.[key] !== undefined) draft[key] = rules[key]!
  draft.guestsMayReschedule = rules?.guestsMayReschedule === undefined ? "" : rules.guestsMayReschedule ? "yes" : "no"
  return draft as RulesDraft
}

/**
 * The rule set a form says: empty fields are left out. A number is sent as typed (the AppView checks the range and
 * answers a 400 naming the field, shown beside it); text that is not a number is sent as NaN's stand-in, a string,
 * so the AppView names the field too rather than the page guessing.
 */
export const rulesOfDraft = (draft: RulesDraft): Rules => {
  const rules: Record<string, unknown> = {}
  for (const { key } of NUMBER_RULES) {
    const text = draft[key].trim()
    if (text === "") continue
    const value = Number(text)
    rules[key] = Number.isFinite(value) ? value : text
  }
  for (const { key } of DATE_RULES) if (draft[key].trim() !== "") rules[key] = draft[key].trim()
  if (draft.guestsMayReschedule !== "") rules.guestsMayReschedule = draft.guestsMayReschedule === "yes"
  return rules as Rules
}

/** One date override as the add form holds it. */
export interface OverrideDraft {
  readonly from: string
  readonly until: string
  /** "off": the days are off; "hours": only `start`–`end` stays open. */
  readonly kind: "off" | "hours"
  readonly start: string
  readonly end: string
}

export const emptyOverrideDraft = (): OverrideDraft => ({ from: "", until: "", kind: "off", start: "09:00", end: "12:00" })

export const overrideOfDraft = (draft: OverrideDraft): DateOverride => ({
  from: draft.from,
  ...(draft.until !== "" && draft.until !== draft.from ? { until: draft.until } : {}),
  hours: draft.kind === "off" ? [] : [{ start: draft.start, end: draft.end }]
})

/** "24 Dec 2026" for a YYYY-MM-DD (that calendar date, whatever the browser's zone). */
const dateLabel = (day: string): string => {
  const date = new Date(`${day}T12:00:00Z`)
  return Number.isNaN(date.getTime())
    ? day
    : new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(date)
}

/** One line about a stored override: its days and what happens on them. */
export const overrideSummary = (override: DateOverride): string => {
  const days = override.until !== undefined && override.until !== override.from ? `${dateLabel(override.from)} – ${dateLabel(override.until)}` : dateLabel(override.from)
  const hours = override.hours.length === 0 ? "unavailable" : `only ${override.hours.map((h) => `${h.start}–${h.end}`).join(", ")}`
  return `${days}: ${hours}`
}

/** The settings document with one part replaced (settings.put replaces the whole document). */
export const withChange = (saved: Settings, change: Partial<Omit<Settings, "$type">>): Settings => {
  const next: Settings = { ...saved, ...change }
  if (next.eventTypes !== undefined && next.eventTypes.length === 0) delete (next as { eventTypes?: unknown }).eventTypes
  if (next.dateOverrides !== undefined && next.dateOverrides.length === 0) delete (next as { dateOverrides?: unknown }).dateOverrides
  if (next.timeZone === "") delete (next as { timeZone?: unknown }).timeZone
  return next
}

/** Where a 400 points on the page: which form, which field in it (the control's id is `<form>-<field>`). */
export interface FieldProblem {
  readonly form: "rules" | "eventType" | "override" | "zone"
  readonly field: string
  readonly sentence: string
}

const labelOf = (field: string): string => {
  const rule = [...NUMBER_RULES, ...DATE_RULES].find((r) => r.key === field)
  if (rule !== undefined) return rule.label
  return (
    {
      guestsMayReschedule: "Guests may reschedule",
      from: "First day",
      until: "Last day",
      start: "Open from",
      end: "Open until",
      eventType: "Event type",
      timeZone: "Time zone"
    } as Record<string, string>
  )[field] ?? "This field"
}

/** A sentence for what the AppView said about one field (its reason is developer text: never shown as it is). */
const sentenceOf = (field: string, reason: string): string => {
  const label = labelOf(field)
  const number = NUMBER_RULES.find((r) => r.key === field)
  if (number !== undefined) return `${label} must be a whole number of ${number.unit} from ${number.min} to ${number.max}.`
  if (/real date/.test(reason)) return `${label} must be a real date.`
  if (/before bookableFrom/.test(reason)) return "Bookable until must not be before Bookable from."
  if (/before from/.test(reason)) return "The last day must not be before the first day."
  if (/days after from/.test(reason)) return "Time off can span at most a year: pick an earlier last day."
  if (/after start/.test(reason)) return "The hours must end after they start."
  if (/HH:MM/.test(reason)) return `${label} must be a time of day.`
  if (/time zone/.test(reason)) return "That is not a time zone Overlap knows. Pick one from the list."
  if (/listed before/.test(reason)) return "This event type already has its own rules: edit those instead."
  if (field === "guestsMayReschedule") return `${label} must be yes or no.`
  return `${label} cannot be used as it is. Check it and try again.`
}

/**
 * The field a settings.put 400 names (`rules.bufferBeforeMin: …`, `eventTypes.0.rules.slotStepMin: …`,
 * `dateOverrides.3.hours.0.end: …`, `timeZone: …`) and its sentence; undefined when the message names no field.
 */
export const problemOf = (message: string): FieldProblem | undefined => {
  const match = /^([A-Za-z0-9_.]+):\s*(.*)$/s.exec(message)
  if (match === null) return undefined
  const path = match[1]!.split(".")
  const reason = match[2] ?? ""
  if (path[0] === "timeZone") return { form: "zone", field: "timeZone", sentence: sentenceOf("timeZone", reason) }
  if (path[0] === "rules" && path[1] !== undefined) return { form: "rules", field: path[1], sentence: sentenceOf(path[1], reason) }
  if (path[0] === "eventTypes") {
    const field = path[2] === "rules" && path[3] !== undefined ? path[3] : "eventType"
    return { form: "eventType", field, sentence: sentenceOf(field, reason) }
  }
  if (path[0] === "dateOverrides") {
    const field = path[2] === "hours" ? (path[4] ?? "start") : (path[2] ?? "from")
    return { form: "override", field, sentence: sentenceOf(field, reason) }
  }
  return undefined
}

/** One line naming what a rule set sets ("Buffer after 15 minutes · Minimum notice 120 minutes"). */
export const rulesSummary = (rules: Rules): string => {
  const parts: Array<string> = []
  for (const rule of NUMBER_RULES) if (rules[rule.key] !== undefined) parts.push(`${rule.label} ${rules[rule.key]} ${rule.unit}`)
  for (const rule of DATE_RULES) if (rules[rule.key] !== undefined) parts.push(`${rule.label} ${dateLabel(rules[rule.key]!)}`)
  if (rules.guestsMayReschedule !== undefined) parts.push(rules.guestsMayReschedule ? "guests may reschedule" : "you confirm a guest's new time")
  return parts.length === 0 ? "nothing of its own (your rules apply)" : parts.join(" · ")
}
