// The availability editor's model (/app/availability): weekly hours as a person edits them (each weekday with
// several time ranges, a zone, a validity range, a tier) and the app.overlap.slotOffer record they become. The
// preview lays the hours out with the AppView's own slot engine code (src/domain/slots/offerWindows.ts and
// zone.ts: the same day-by-day expansion in the offer's zone, DST included), so what the page shows is what
// matching will use.
import { DAY_MS, MINUTES_PER_DAY, parseLocalTime } from "../../../src/domain/slots/civil"
import { offerWindows } from "../../../src/domain/slots/offerWindows"
import type { ResolvedOffer } from "../../../src/domain/slots/validate"
import { zoneFor } from "../../../src/domain/slots/zone"

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const
export type Weekday = (typeof WEEKDAYS)[number]
export type Policy = "anyone" | "follower" | "connected" | "mutual"

export interface TimeRange {
  readonly start: string
  readonly end: string
}

export interface WeeklyDraft {
  readonly tz: string
  readonly days: Readonly<Record<Weekday, ReadonlyArray<TimeRange>>>
  /** YYYY-MM-DD in tz: the hours apply from that day's midnight. */
  readonly validFrom: string
  /** YYYY-MM-DD in tz, or "": the hours end at that day's midnight (exclusive). */
  readonly validUntil: string
  readonly policy: Policy
  readonly note: string
}

/** A rule of the record (app.overlap.defs#weeklyRule). */
export interface WeeklyRule {
  readonly days: ReadonlyArray<Weekday>
  readonly start: string
  readonly end: string
}

/** Weekdays as a guest reads them. */
export const dayName = (day: Weekday) => day.charAt(0).toUpperCase() + day.slice(1)

export const POLICY_LABELS: Readonly<Record<Policy, string>> = {
  anyone: "Anyone with the link",
  follower: "People who follow me on Bluesky",
  connected: "People I follow on Bluesky",
  mutual: "People I follow who follow me back"
}

const today = (tz: string) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date())

/** A first draft: Monday to Friday, 9 to 5, from today, for anyone. */
export const defaultDraft = (tz: string): WeeklyDraft => ({
  tz,
  days: Object.fromEntries(
    WEEKDAYS.map((day): [Weekday, ReadonlyArray<TimeRange>] => [day, day === "saturday" || day === "sunday" ? [] : [{ start: "09:00", end: "17:00" }]])
  ) as unknown as WeeklyDraft["days"],
  validFrom: today(tz),
  validUntil: "",
  policy: "anyone",
  note: ""
})

/** The instant of local midnight starting `date` (YYYY-MM-DD) in `tz`. */
const midnight = (date: string, tz: string): number | undefined => {
  const zone = zoneFor(tz)
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (zone === undefined || m === null) return undefined
  return zone.instantOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}

/** The draft's ranges as record rules: one rule per distinct time range, listing the days that have it. */
export const rulesOf = (draft: WeeklyDraft): ReadonlyArray<WeeklyRule> => {
  const byRange = new Map<string, Array<Weekday>>()
  for (const day of WEEKDAYS) {
    for (const range of draft.days[day]) {
      const key = `${range.start}-${range.end}`
      byRange.set(key, [...(byRange.get(key) ?? []), day])
    }
  }
  return [...byRange].map(([key, days]) => {
    const [start, end] = key.split("-") as [string, string]
    return { days, start, end: end === "00:00" ? "24:00" : end }
  })
}

/** What is wrong with the draft, by field (the first problem only), or undefined when it can be saved. */
export const draftProblem = (draft: WeeklyDraft): { readonly field: string; readonly message: string } | undefined => {
  if (zoneFor(draft.tz) === undefined) return { field: "tz", message: "Pick a time zone from the list." }
  for (const day of WEEKDAYS) {
    for (const [i, range] of draft.days[day].entries()) {
      if (parseLocalTime(range.start) === undefined) return { field: `${day}-${i}-start`, message: `${dayName(day)}: enter a start time.` }
      if (parseLocalTime(range.end) === undefined) return { field: `${day}-${i}-end`, message: `${dayName(day)}: enter an end time.` }
      if (range.start === range.end) return { field: `${day}-${i}-end`, message: `${dayName(day)}: the end must differ from the start.` }
    }
  }
  const rules = rulesOf(draft)
  if (rules.length === 0) return { field: "monday-add", message: "Add at least one time range." }
  if (rules.length > 28) return { field: "monday-add", message: "Use at most 28 different time ranges." }
  const from = midnight(draft.validFrom, draft.tz)
  if (from === undefined) return { field: "validFrom", message: "Enter the first day these hours apply." }
  if (draft.validUntil !== "") {
    const until = midnight(draft.validUntil, draft.tz)
    if (until === undefined || until <= from) return { field: "validUntil", message: "The last day must come after the first day." }
  }
  if (previewWindows(draft, from, from + 28 * DAY_MS).length === 0) {
    return { field: "validUntil", message: "These hours contain no time at all between the first and the last day." }
  }
  return undefined
}

/** The draft as a resolved weekly offer for the slot engine. */
const resolved = (draft: WeeklyDraft): ReadonlyArray<ResolvedOffer> => {
  const zone = zoneFor(draft.tz)
  const from = midnight(draft.validFrom, draft.tz)
  if (zone === undefined || from === undefined) return []
  const until = draft.validUntil === "" ? Number.MAX_SAFE_INTEGER : (midnight(draft.validUntil, draft.tz) ?? Number.MAX_SAFE_INTEGER)
  const weekdayBit = (day: Weekday) => 1 << (WEEKDAYS.indexOf(day) + 1) // ISO: Monday = 1
  return rulesOf(draft).flatMap((rule) => {
    const startMin = parseLocalTime(rule.start)
    const endMin = parseLocalTime(rule.end)
    if (startMin === undefined || endMin === undefined || startMin === endMin) return []
    return [{
      _tag: "weekly" as const,
      zone,
      weekdayMask: rule.days.reduce((mask, day) => mask | weekdayBit(day), 0),
      startMin,
      endMin: endMin < startMin ? endMin + MINUTES_PER_DAY : endMin,
      validFrom: from,
      validUntil: until
    }]
  })
}

/** The windows the draft offers in [from, until), as instants. */
export const previewWindows = (draft: WeeklyDraft, from: number, until: number): ReadonlyArray<{ readonly start: number; readonly end: number }> =>
  offerWindows(resolved(draft), from, until).map((w) => ({ start: w.start, end: w.end }))

/** The app.overlap.slotOffer record of a draft that has no problem: start–end is its first window. */
export const offerRecord = (draft: WeeklyDraft): Record<string, unknown> => {
  const from = midnight(draft.validFrom, draft.tz)!
  const [first] = previewWindows(draft, from, from + 28 * DAY_MS)
  return {
    start: new Date(first!.start).toISOString(),
    end: new Date(first!.end).toISOString(),
    tz: draft.tz,
    policy: draft.policy,
    weekly: rulesOf(draft),
    validFrom: new Date(from).toISOString(),
    ...(draft.validUntil !== "" ? { validUntil: new Date(midnight(draft.validUntil, draft.tz)!).toISOString() } : {}),
    ...(draft.note.trim() !== "" ? { note: draft.note.trim() } : {})
  }
}

/** A stored weekly offer back as a draft (to edit it); undefined for a single-window offer. */
export const draftOf = (record: Record<string, unknown>): WeeklyDraft | undefined => {
  const weekly = record.weekly as ReadonlyArray<WeeklyRule> | undefined
  const tz = typeof record.tz === "string" ? record.tz : undefined
  if (weekly === undefined || tz === undefined || zoneFor(tz) === undefined) return undefined
  const localDate = (iso: unknown) =>
    typeof iso === "string" ? new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso)) : ""
  const days = Object.fromEntries(WEEKDAYS.map((day) => [day, [] as Array<TimeRange>])) as Record<Weekday, Array<TimeRange>>
  for (const rule of weekly) for (const day of rule.days) days[day].push({ start: rule.start, end: rule.end === "24:00" ? "00:00" : rule.end })
  return {
    tz,
    days,
    validFrom: localDate(record.validFrom ?? record.start),
    validUntil: localDate(record.validUntil),
    policy: (record.policy as Policy | undefined) ?? "anyone",
    note: typeof record.note === "string" ? record.note : ""
  }
}
