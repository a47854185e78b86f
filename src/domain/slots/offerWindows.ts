import { civilDay, DAY_MS, isoWeekday, MINUTE_MS } from "./civil"
import type { ResolvedOffer } from "./validate"
import type { Zone } from "./zone"

/**
 * An offer window as the engine sweeps it: instants [start, end), the zone that owns its grid, and the
 * wall-clock value of local midnight on the window's first day (the grid's anchor, see grid.ts).
 */
export interface GridWindow {
  readonly start: number
  readonly end: number
  readonly zone: Zone
  readonly anchorWall: number
}

interface Span {
  start: number
  end: number
  readonly zone: Zone
}

/**
 * Weekly rules are laid out day by day in the rule's own zone, so 09:00–17:00 stays 09:00–17:00 local on
 * the days clocks change; local times that do not exist or exist twice resolve as zone.ts says
 * ("compatible"). The day before `from` is included for windows that cross midnight into the range.
 */
const expandWeekly = (
  rule: Extract<ResolvedOffer, { _tag: "weekly" }>,
  from: number,
  until: number,
  out: Array<Span>
): void => {
  const { zone } = rule
  const lastDay = civilDay(zone.wallAt(until))
  for (let day = civilDay(zone.wallAt(from)) - 1; day <= lastDay; day++) {
    if ((rule.weekdayMask & (1 << isoWeekday(day))) === 0) continue
    const midnight = day * DAY_MS
    const start = Math.max(zone.instantOf(midnight + rule.startMin * MINUTE_MS), rule.validFrom)
    const end = Math.min(zone.instantOf(midnight + rule.endMin * MINUTE_MS), rule.validUntil)
    // A window entirely inside a spring-forward gap (or outside the rule's validity) collapses to nothing.
    if (end > start && end > from && start < until) out.push({ start, end, zone })
  }
}

/**
 * The offer windows that meet [from, until), as grid windows sorted by start (then zone, then end).
 * Windows of the same zone that overlap or touch are merged first, so a meeting may run across the seam
 * of two adjacent windows; windows of different zones are kept apart (each keeps its own grid).
 */
export const offerWindows = (
  offers: ReadonlyArray<ResolvedOffer>,
  from: number,
  until: number
): Array<GridWindow> => {
  const spans: Array<Span> = []
  for (const offer of offers) {
    if (offer._tag === "weekly") expandWeekly(offer, from, until, spans)
    else if (offer.end > from && offer.start < until) {
      spans.push({ start: offer.start, end: offer.end, zone: offer.zone })
    }
  }
  spans.sort((a, b) => (a.zone.id < b.zone.id ? -1 : a.zone.id > b.zone.id ? 1 : a.start - b.start))

  const windows: Array<GridWindow> = []
  const flush = (span: Span): void => {
    windows.push({ ...span, anchorWall: civilDay(span.zone.wallAt(span.start)) * DAY_MS })
  }
  let current: Span | undefined
  for (const span of spans) {
    if (current !== undefined && current.zone.id === span.zone.id && span.start <= current.end) {
      current.end = Math.max(current.end, span.end)
    } else {
      if (current !== undefined) flush(current)
      current = { ...span }
    }
  }
  if (current !== undefined) flush(current)

  return windows.sort((a, b) =>
    a.start - b.start || (a.zone.id < b.zone.id ? -1 : a.zone.id > b.zone.id ? 1 : a.end - b.end)
  )
}
