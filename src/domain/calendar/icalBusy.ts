import ICAL from "ical.js"
import type { Zone } from "../slots/zone"
import {
  DATE_STEPS,
  DEFAULT_EXPANSION_LIMITS,
  type ExpansionLimit,
  ExpansionLimitReached,
  type ExpansionLimits,
  makeExpansionBudget
} from "./expansionBudget"
import { instantOf, tzidParam, wallOf, wallZoneOf } from "./icalTime"
import { mergeBusy, type Span } from "./ranges"
import { seriesWindow, untilBound } from "./recurrenceWindow"
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
 *
 * Expansion is bounded (expansionBudget.ts): a series that runs out of its steps or time, or whose rule
 * ical.js cannot expand, counts busy for its whole span within the range and is named in the report.
 */

export interface IcalBusyOptions extends Partial<ExpansionLimits> {
  /** Zone of floating times and all-day dates: the calendar's own zone, else the user's. */
  readonly calendarZone: Zone
  /** For the time limits; default Date.now. */
  readonly clock?: () => number
}

/** What expanding one calendar's objects ran into: one entry per series that hit a bound. */
export interface ExpansionReport {
  readonly unexpanded: ReadonlyArray<ExpansionLimit>
}

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
 * Appends the busy instances of `objects` (one calendar's) that meet `range` to `out` (unmerged, unclipped)
 * and reports the series that hit an expansion bound. Throws UnreadableCalendarObject for an object ical.js
 * cannot parse: silently skipping it would drop busy time.
 */
export const collectBusy = (
  objects: ReadonlyArray<string>,
  range: Span,
  options: IcalBusyOptions,
  out: Array<Span>
): ExpansionReport => {
  const limits: ExpansionLimits = {
    maxInstancesPerSeries: options.maxInstancesPerSeries ?? DEFAULT_EXPANSION_LIMITS.maxInstancesPerSeries,
    maxStepsPerSeries: options.maxStepsPerSeries ?? DEFAULT_EXPANSION_LIMITS.maxStepsPerSeries,
    maxStepsPerCalendar: options.maxStepsPerCalendar ?? DEFAULT_EXPANSION_LIMITS.maxStepsPerCalendar,
    maxMsPerSeries: options.maxMsPerSeries ?? DEFAULT_EXPANSION_LIMITS.maxMsPerSeries,
    maxMsPerCalendar: options.maxMsPerCalendar ?? DEFAULT_EXPANSION_LIMITS.maxMsPerCalendar
  }
  const maxInstances = limits.maxInstancesPerSeries
  const zone = options.calendarZone
  const budget = makeExpansionBudget(limits, options.clock)
  const unexpanded: Array<ExpansionLimit> = []

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

  /**
   * Where a series can have instances within the range, without expanding it: from DTSTART (from the range's
   * start when RDATEs may lie anywhere) to the end of the range, or to its one rule's UNTIL plus a duration.
   */
  const seriesSpan = (master: ICAL.Component, event: ICAL.Event, durationMs: number): Span => {
    const rdates = master.hasProperty("rdate")
    const start = rdates ? range.start : Math.max(range.start, instantOf(event.startDate, tzidParam(master, "dtstart"), zone))
    let end = range.end
    const rules = master.getAllProperties("rrule")
    if (!rdates && rules.length === 1) {
      try {
        const until = (rules[0]!.getFirstValue() as ICAL.Recur).until
        if (until !== null) end = Math.min(end, untilBound(until) + Math.max(0, durationMs))
      } catch {
        // an unreadable rule: the range's end
      }
    }
    return { start, end }
  }

  /** EXDATE and RDATE values of the master, counted without decoding them. */
  const datesOf = (master: ICAL.Component): number =>
    [...master.getAllProperties("exdate"), ...master.getAllProperties("rdate")]
      .reduce((sum, property) => sum + Math.max(1, property.jCal.length - 3), 0)

  /** ical.js gives up after 500 excluded instances in a row and throws; its state stays good, so go on. */
  const isTooManyExcluded = (error: unknown) => error instanceof Error && /max tries have occurred/.test(error.message)

  const expand = (master: ICAL.Component, overrides: Array<ICAL.Component>): void => {
    if (isCancelled(master)) return
    const event = new ICAL.Event(master, { exceptions: overrides })
    if (!event.isRecurring()) {
      add(master, event.startDate, event.endDate)
      // Overrides of a non-recurring event are malformed; they are still events the user sees.
      overrides.forEach(single)
      return
    }
    const durationMs = event.duration.toSeconds() * 1000
    const masterCounts = !isTransparent(master)

    const failClosed = (limit: ExpansionLimit): void => {
      unexpanded.push(limit)
      const span = seriesSpan(master, event, durationMs)
      if (masterCounts && span.end > span.start) out.push(span)
      // Overrides are events of their own, possibly moved out of the span.
      overrides.forEach(single)
    }

    const calendarSpent = budget.startSeries()
    if (calendarSpent !== undefined) return failClosed(calendarSpent)
    const seen = new Set<ICAL.Event>()
    try {
      budget.metered(() => {
        budget.charge(DATE_STEPS * datesOf(master))
        const wallZone = wallZoneOf(event.startDate, tzidParam(master, "dtstart"), zone)
        const hasOverrides = overrides.length > 0
        // Without overrides every instance is the master moved in time: read it straight off the wall clock
        // (ical.js's own end = start + DURATION on the wall clock), skipping the per-instance objects.
        const window = seriesWindow(event, range.start, durationMs)
        if (window._tag === "Ended") return
        const iterator = event.iterator(window.start)
        const nextInstance = (): ICAL.Time | null => {
          for (;;) {
            budget.charge(1)
            try {
              return iterator.next()
            } catch (error) {
              if (!isTooManyExcluded(error)) throw error
            }
          }
        }
        let count = 0
        for (let next = nextInstance(); next; next = nextInstance()) {
          const wall = wallOf(next)
          const recurrenceStart = wallZone === undefined ? next.toUnixTime() * 1000 : wallZone.instantOf(wall)
          if (recurrenceStart >= range.end) break
          if (++count > maxInstances) {
            unexpanded.push("series-instances")
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
      })
    } catch (error) {
      // Out of steps or time, or a rule ical.js refuses (RFC 5545 forbids it, or it repeats an instance).
      return failClosed(error instanceof ExpansionLimitReached ? error.limit : "invalid-rule")
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
  return { unexpanded }
}

/** Busy intervals of `objects` within `range`: merged, sorted, disjoint, clipped to the range. */
export const busyFromCalendarObjects = (
  objects: ReadonlyArray<string>,
  range: Span,
  options: IcalBusyOptions
): ReadonlyArray<Span> => expandCalendarObjects(objects, range, options).busy

/** The busy intervals (as busyFromCalendarObjects) and the series that hit an expansion bound. */
export const expandCalendarObjects = (
  objects: ReadonlyArray<string>,
  range: Span,
  options: IcalBusyOptions
): ExpansionReport & { readonly busy: ReadonlyArray<Span> } => {
  const out: Array<Span> = []
  const report = collectBusy(objects, range, options, out)
  return { busy: mergeBusy(out, range), unexpanded: report.unexpanded }
}
