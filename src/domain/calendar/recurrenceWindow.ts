import ICAL from "ical.js"
import { DAY_MS } from "../slots/civil"
import { wallOf } from "./icalTime"

/**
 * Where to start expanding a recurring event so that a series begun years ago is not walked from its
 * first instance (ical.js spends tens of microseconds per instance). Expansion from the returned start
 * yields exactly the original series' instances from that point on, and every instance before it ends
 * before the range. Anything this cannot be sure of expands from DTSTART as usual.
 */

export type SeriesWindow =
  /** Expand from this DTSTART instead of the event's own (undefined: from the event's own). */
  | { readonly _tag: "Expand"; readonly start: ICAL.Time | undefined }
  /** The rule ended before the range: no instance of it can meet the range (overrides still might). */
  | { readonly _tag: "Ended" }

const FROM_DTSTART: SeriesWindow = { _tag: "Expand", start: undefined }

/** iCalendar weekday names in JavaScript's order (0 = Sunday). */
const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
/** Days since 1970-01-01 → weekday, 0 = Sunday (1970-01-01 was a Thursday). */
const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7

/**
 * `range.start` and the series' start are compared as wall-clock values, which differ from instants by
 * less than a day; this margin (plus the event's length) keeps every instance that could reach the range.
 */
const MARGIN_MS = 2 * DAY_MS

/** Largest INTERVAL skipped ahead: a cycle of at most this many weeks is searched day by day. */
const MAX_SKIPPED_INTERVAL = 520

/** Upper bound on the instant of the rule's UNTIL (a floating or DATE UNTIL is read in the widest zone). */
export const untilBound = (until: ICAL.Time): number =>
  until.zone === ICAL.Timezone.utcTimezone ? until.toUnixTime() * 1000 : wallOf(until) + DAY_MS

export const seriesWindow = (event: ICAL.Event, rangeStart: number, durationMs: number): SeriesWindow => {
  const component = event.component
  const rules = component.getAllProperties("rrule")
  // RDATE instances are not bounded by the RRULE: walk everything.
  if (rules.length !== 1 || component.hasProperty("rdate")) return FROM_DTSTART
  const recur = rules[0]!.getFirstValue() as ICAL.Recur
  const notBefore = rangeStart - Math.max(0, durationMs) - MARGIN_MS
  if (recur.until !== null && untilBound(recur.until) < notBefore) return { _tag: "Ended" }

  // Skipping ahead is certain for DAILY and WEEKLY rules whose only BY part is plain weekdays, without
  // COUNT (which counts from DTSTART): their instances are whole-day steps from DTSTART's wall time.
  if (recur.count !== null || (recur.freq !== "DAILY" && recur.freq !== "WEEKLY")) return FROM_DTSTART
  const parts = (recur.parts ?? {}) as Record<string, ReadonlyArray<unknown>>
  if (Object.keys(parts).some((key) => key !== "BYDAY")) return FROM_DTSTART
  const start = event.startDate
  const firstDay = Math.floor(wallOf(start) / DAY_MS)
  const byday = parts["BYDAY"]
  let weekdays: ReadonlySet<number>
  if (byday === undefined) {
    weekdays = new Set(recur.freq === "WEEKLY" ? [weekdayOf(firstDay)] : [0, 1, 2, 3, 4, 5, 6])
  } else {
    const indexes = byday.map((day) => (typeof day === "string" ? WEEKDAYS.indexOf(day) : -1))
    if (indexes.some((index) => index < 0)) return FROM_DTSTART // ordinals such as "1MO"
    weekdays = new Set(indexes)
  }
  const interval = recur.interval > 0 ? recur.interval : 1
  // The search below walks up to one cycle day by day; a longer cycle is rare enough to walk from DTSTART
  // (where the expansion budget counts every step) rather than spin here uncounted (INTERVAL=2000000000).
  if (interval > MAX_SKIPPED_INTERVAL) return FROM_DTSTART
  // WKST as a JavaScript weekday (ical.js numbers Sunday as 1); weeks are what INTERVAL counts for WEEKLY.
  const weekStartDay = (recur.wkst ?? ICAL.Time.MONDAY) - 1
  const weekStartOf = (day: number): number => day - ((weekdayOf(day) - weekStartDay + 7) % 7)
  const isInstanceDay = (day: number): boolean =>
    weekdays.has(weekdayOf(day)) &&
    (recur.freq === "DAILY"
      ? (day - firstDay) % interval === 0
      : ((weekStartOf(day) - weekStartOf(firstDay)) / 7) % interval === 0)

  const target = Math.floor(notBefore / DAY_MS)
  if (target <= firstDay) return FROM_DTSTART
  // The first instance day on or after the target: within one cycle of the rule.
  for (let day = target; day <= target + 7 * interval; day++) {
    if (isInstanceDay(day)) {
      const shifted = start.clone()
      shifted.adjust(day - firstDay, 0, 0, 0)
      return { _tag: "Expand", start: shifted }
    }
  }
  return FROM_DTSTART
}
