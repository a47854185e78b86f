import { blockedTime } from "../slots/blockedTime"
import { DAY_MS } from "../slots/civil"

/** A half-open interval [start, end) in epoch milliseconds (UTC); same shape as CalendarProvider's Interval. */
export interface Span {
  readonly start: number
  readonly end: number
}

/** Google freeBusy answers at most about 90 days per call. */
export const GOOGLE_FREEBUSY_MAX_SPAN_MS = 90 * DAY_MS
/** Google freeBusy takes at most 50 calendars per call (`calendarExpansionMax` ≤ 50). */
export const GOOGLE_FREEBUSY_MAX_CALENDARS = 50
/** Microsoft getSchedule needs a period shorter than 62 days. */
export const GRAPH_SCHEDULE_MAX_SPAN_MS = 61 * DAY_MS
/** Microsoft getSchedule takes at most 20 schedules per call. */
export const GRAPH_SCHEDULE_MAX_SCHEDULES = 20

/** [start, end) cut into consecutive windows no longer than `maxSpanMs`; empty when the range is empty. */
export const splitRange = (range: Span, maxSpanMs: number): ReadonlyArray<Span> => {
  if (!(maxSpanMs > 0)) throw new RangeError("maxSpanMs must be positive")
  const windows: Array<Span> = []
  for (let start = range.start; start < range.end; start += maxSpanMs) {
    windows.push({ start, end: Math.min(range.end, start + maxSpanMs) })
  }
  return windows
}

/** `items` in order, in groups of at most `size`. */
export const chunk = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  if (!(size >= 1)) throw new RangeError("size must be at least 1")
  const groups: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size))
  return groups
}

/** Distinct values, first occurrence wins. */
export const distinct = (items: ReadonlyArray<string>): ReadonlyArray<string> => [...new Set(items)]

/**
 * The union of busy intervals from any number of calendars and windows, clipped to `range`, sorted and
 * disjoint (overlapping or touching intervals merge). Empty or inverted intervals are dropped.
 */
export const mergeBusy = (intervals: ReadonlyArray<Span>, range: Span): ReadonlyArray<Span> => {
  const valid = intervals.filter((i) => Number.isFinite(i.start) && Number.isFinite(i.end) && i.end > i.start)
  const merged = blockedTime([{ intervals: valid, reachBefore: 0, reachAfter: 0 }], range.start, range.end)
  const out: Array<Span> = []
  for (let i = 0; i < merged.count; i++) {
    const start = Math.max(range.start, merged.starts[i]!)
    const end = Math.min(range.end, merged.ends[i]!)
    if (end > start) out.push({ start, end })
  }
  return out
}
