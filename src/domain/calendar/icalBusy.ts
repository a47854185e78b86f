import ICAL from "ical.js"
import type { Zone } from "../slots/zone"
import { instantOf, tzidParam, wallOf, wallZoneOf } from "./icalTime"
import { mergeBusy, type Span } from "./ranges"
import { seriesWindow } from "./recurrenceWindow"
import { useTzdbZones } from "./tzdbTimezone"

/**
 * Busy time from iCalendar data (CalDAV calendar object resources), computed here rather than by the
 * server: not every server answers a free-busy-query (Radicale 3.1 does not), and a calendar-query works
 * everywhere. Recurrences are expanded with ical.js (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides,
 * RANGE=THISANDFUTURE); instants follow icalTime.ts.
 *
 * An instance is busy unless it is `STATUS:CANCELLED` or `TRANSP:TRANSPARENT` (per instance: an override
 * carries its own). TENTATIVE counts as busy, as in RFC 5545 free/busy (BUSY-TENTATIVE). A cancelled master
 * cancels the whole series. A DATE-TIME event without DTEND or DURATION takes no time (RFC 5545 §3.6.1).
 */

export interface IcalBusyOptions {
  /** Zone of floating times and all-day dates: the calendar's own zone, else the user's. */
  readonly calendarZone: Zone
  /**
   * Instances expanded per series at most. Past it the rest of the range from the last instance on is
   * counted busy: a runaway rule (FREQ=MINUTELY since 1990) must not cost unbounded CPU, and
   * guessing "free" would double-book.
   */
  readonly maxInstancesPerSeries?: number
}

export const DEFAULT_MAX_INSTANCES_PER_SERIES = 20_000

/** One calendar object resource that could not be read as iCalendar. */
export class UnreadableCalendarObject extends Error {
  override readonly name = "UnreadableCalendarObject"
  constructor(readonly index: number, readonly detail: string) {
    super(`calendar object #${index} is not valid iCalendar: ${detail}`)
  }
}

const upper = (value: unknown): string => (typeof value === "string" ? value.toUpperCase() : "")

const isCancelled = (component: ICAL.Component): boolean => upper(component.getFirstPropertyValue("status")) === "CANCELLED"
const isTransparent = (component: ICAL.Component): boolean => upper(component.getFirstPropertyValue("transp")) === "TRANSPARENT"

/** The VCALENDARs of one object resource (a few servers concatenate several). */
const calendarsOf = (text: string): Array<ICAL.Component> => {
  const parsed = ICAL.parse(text) as unknown
  const roots = Array.isArray(parsed) && Array.isArray(parsed[0]) ? (parsed as Array<unknown>) : [parsed]
  return roots.map((jcal) => {
    const calendar = new ICAL.Component(jcal as Array<unknown>)
    useTzdbZones(calendar)
    return calendar
  })
}

/**
 * Appends the busy instances of `objects` that meet `range` to `out` (unmerged, unclipped). Throws
 * UnreadableCalendarObject for an object ical.js cannot parse: silently skipping it would drop busy time.
 */
export const collectBusy = (
  objects: ReadonlyArray<string>,
  range: Span,
  options: IcalBusyOptions,
  out: Array<Span>
): void => {
  const maxInstances = options.maxInstancesPerSeries ?? DEFAULT_MAX_INSTANCES_PER_SERIES
  const zone = options.calendarZone

  const add = (item: ICAL.Component, start: ICAL.Time, end: ICAL.Time): void => {
    if (isCancelled(item) || isTransparent(item)) return
    const from = instantOf(start, tzidParam(item, "dtstart"), zone)
    const until = instantOf(end, tzidParam(item, item.hasProperty("dtend") ? "dtend" : "dtstart"), zone)
    if (until > from && until > range.start && from < range.end) out.push({ start: from, end: until })
  }

  const single = (vevent: ICAL.Component): void => {
    const event = new ICAL.Event(vevent)
    add(vevent, event.startDate, event.endDate)
  }

  const expand = (master: ICAL.Component, overrides: Array<ICAL.Component>): void => {
    if (isCancelled(master)) return
    const event = new ICAL.Event(master, { exceptions: overrides })
    if (!event.isRecurring()) {
      add(master, event.startDate, event.endDate)
      // Overrides of a non-recurring event are malformed; they are still events the user sees.
      overrides.forEach(single)
      return
    }
    const wallZone = wallZoneOf(event.startDate, tzidParam(master, "dtstart"), zone)
    const durationMs = event.duration.toSeconds() * 1000
    const hasOverrides = overrides.length > 0
    // Without overrides every instance is the master moved in time: read it straight off the wall clock
    // (ical.js's own end = start + DURATION on the wall clock), skipping the per-instance objects.
    const masterCounts = !isTransparent(master)
    const seen = new Set<ICAL.Event>()
    const window = seriesWindow(event, range.start, durationMs)
    const iterator = window._tag === "Ended" ? undefined : event.iterator(window.start)
    let count = 0
    for (let next = iterator?.next(); next; next = iterator!.next()) {
      const wall = wallOf(next)
      const recurrenceStart = wallZone === undefined ? next.toUnixTime() * 1000 : wallZone.instantOf(wall)
      if (recurrenceStart >= range.end) break
      if (++count > maxInstances) {
        out.push({ start: Math.max(range.start, recurrenceStart), end: range.end })
        break
      }
      if (!hasOverrides && wallZone !== undefined) {
        const until = wallZone.instantOf(wall + durationMs)
        if (masterCounts && until > recurrenceStart && until > range.start) out.push({ start: recurrenceStart, end: until })
        continue
      }
      const details = event.getOccurrenceDetails(next)
      if (details.item !== event) seen.add(details.item)
      add(details.item.component, details.startDate, details.endDate)
    }
    // Overrides whose RECURRENCE-ID lies outside what was iterated (past the range, before a
    // fast-forwarded start, or matching no generated instance) but that may have moved into the range.
    for (const override of Object.values(event.exceptions)) {
      if (!seen.has(override) && !override.modifiesFuture()) add(override.component, override.startDate, override.endDate)
    }
  }

  const collectCalendar = (calendar: ICAL.Component): void => {
    // Group by UID: a series is its master plus the overrides (RECURRENCE-ID) of the same UID.
    const series = new Map<string, { masters: Array<ICAL.Component>; overrides: Array<ICAL.Component> }>()
    for (const vevent of calendar.getAllSubcomponents("vevent")) {
      if (!vevent.hasProperty("dtstart")) continue
      const uid = String(vevent.getFirstPropertyValue("uid") ?? "")
      const entry = series.get(uid) ?? { masters: [], overrides: [] }
      ;(vevent.hasProperty("recurrence-id") ? entry.overrides : entry.masters).push(vevent)
      series.set(uid, entry)
    }
    for (const { masters, overrides } of series.values()) {
      const [master, ...duplicates] = masters
      // Overrides without their master (an invitation to one instance) are plain events.
      if (master === undefined) overrides.forEach(single)
      else expand(master, overrides)
      // A second master with the same UID is malformed; it is still an event the user sees.
      for (const duplicate of duplicates) expand(duplicate, [])
    }
  }

  objects.forEach((text, index) => {
    try {
      for (const calendar of calendarsOf(text)) collectCalendar(calendar)
    } catch (error) {
      // Values are decoded lazily, so a bad date can surface here rather than in the parser.
      throw new UnreadableCalendarObject(index, error instanceof Error ? error.message.slice(0, 200) : "parse error")
    }
  })
}

/** Busy intervals of `objects` within `range`: merged, sorted, disjoint, clipped to the range. */
export const busyFromCalendarObjects = (
  objects: ReadonlyArray<string>,
  range: Span,
  options: IcalBusyOptions
): ReadonlyArray<Span> => {
  const out: Array<Span> = []
  collectBusy(objects, range, options, out)
  return mergeBusy(out, range)
}
