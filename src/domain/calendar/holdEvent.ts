import ICAL from "ical.js"
import type { Zone } from "../slots/zone"
import { base32hex } from "./eventIds"
import { ianaZoneOf, instantOf, tzidParam } from "./icalTime"

/**
 * Overlap's tentative hold as an iCalendar VEVENT, built and edited with ical.js's component API (never by
 * string concatenation, so escaping and folding are the library's). The hold's UID and its resource name
 * derive from the booking id, so placing the same hold twice addresses the same event.
 */

export type HoldStatus = "TENTATIVE" | "CONFIRMED"

export const PRODID = "-//Overlap//Overlap holds 1.0//EN"
/** Carries the booking id on the event itself, whatever the UID looks like after a client rewrote it. */
export const BOOKING_ID_PROPERTY = "x-overlap-booking-id"

/** The hold's UID: stable per booking. */
export const holdUid = (bookingId: string): string => `overlap-hold-${bookingId}`

/** The hold's resource name in a calendar collection: URL-safe whatever the booking id contains. */
export const holdResourceName = (bookingId: string): string =>
  `overlap-${base32hex(new TextEncoder().encode(`ovl1:${bookingId}`))}.ics`

export interface HoldEventInput {
  readonly bookingId: string
  readonly start: number
  readonly end: number
  /** IANA zone the event is presented in; UTC times when tzdb does not know it. */
  readonly tz: string
  readonly summary: string
  /** Epoch ms for DTSTAMP / CREATED / LAST-MODIFIED. */
  readonly now: number
}

const utcTime = (instant: number): ICAL.Time => ICAL.Time.fromJSDate(new Date(instant), true)

/** A local (floating) time whose fields are `zone`'s wall clock at `instant`; whole seconds. */
const localTime = (zone: Zone, instant: number): ICAL.Time => {
  const wall = new Date(zone.wallAt(Math.floor(instant / 1000) * 1000))
  return ICAL.Time.fromData({
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    isDate: false
  })
}

const offsetValue = (offsetMs: number): ICAL.UtcOffset => ICAL.UtcOffset.fromSeconds(Math.round(offsetMs / 1000))

/**
 * A VTIMEZONE for `zone`, truncated to [start, end] as RFC 7809 allows: the offset in force at `start`,
 * plus every transition up to `end`, taken from tzdb. Enough for any client to place this one event.
 */
const vtimezoneFor = (zone: Zone, start: number, end: number): ICAL.Component => {
  const vtimezone = new ICAL.Component("vtimezone")
  vtimezone.updatePropertyWithValue("tzid", zone.id)
  const year = new Date(start).getUTCFullYear()
  const standardOffset = Math.min(zone.offsetAt(Date.UTC(year, 0, 1)), zone.offsetAt(Date.UTC(year, 6, 1)))
  const observance = (from: number, to: number, wallStart: ICAL.Time) => {
    const component = new ICAL.Component(to > standardOffset ? "daylight" : "standard")
    component.updatePropertyWithValue("dtstart", wallStart)
    component.updatePropertyWithValue("tzoffsetfrom", offsetValue(from))
    component.updatePropertyWithValue("tzoffsetto", offsetValue(to))
    vtimezone.addSubcomponent(component)
  }
  const initial = zone.offsetAt(start)
  observance(initial, initial, ICAL.Time.fromData({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, isDate: false }))
  let offset = initial
  for (let at = zone.nextTransition(start, end); Number.isFinite(at); at = zone.nextTransition(at, end)) {
    const next = zone.offsetAt(at)
    // An observance starts at the local time just before the change, read with the offset before it.
    const before = new Date(at + offset)
    observance(offset, next, ICAL.Time.fromData({
      year: before.getUTCFullYear(),
      month: before.getUTCMonth() + 1,
      day: before.getUTCDate(),
      hour: before.getUTCHours(),
      minute: before.getUTCMinutes(),
      second: before.getUTCSeconds(),
      isDate: false
    }))
    offset = next
  }
  return vtimezone
}

/** Sets DTSTART/DTEND in `tz` (or UTC) and replaces the calendar's VTIMEZONEs with one that covers them. */
const setTimes = (calendar: ICAL.Component, vevent: ICAL.Component, start: number, end: number, tz: string | undefined) => {
  for (const old of calendar.getAllSubcomponents("vtimezone")) calendar.removeSubcomponent(old)
  vevent.removeAllProperties("duration")
  const zone = tz === undefined ? undefined : ianaZoneOf(tz)
  const useZone = zone !== undefined && zone.id !== "UTC" && zone.id !== "Etc/UTC"
  for (const [name, instant] of [["dtstart", start], ["dtend", end]] as const) {
    vevent.removeAllProperties(name)
    const property = new ICAL.Property(name, vevent)
    if (useZone) {
      property.setParameter("tzid", zone.id)
      property.setValue(localTime(zone, instant))
    } else {
      property.setValue(utcTime(instant))
    }
    vevent.addProperty(property)
  }
  if (useZone) calendar.addSubcomponent(vtimezoneFor(zone, start, end))
}

const touch = (vevent: ICAL.Component, now: number, bumpSequence: boolean) => {
  vevent.updatePropertyWithValue("dtstamp", utcTime(now))
  vevent.updatePropertyWithValue("last-modified", utcTime(now))
  if (bumpSequence) {
    const sequence = Number(vevent.getFirstPropertyValue("sequence") ?? 0)
    vevent.updatePropertyWithValue("sequence", Number.isFinite(sequence) ? sequence + 1 : 1)
  }
}

/** The VCALENDAR text of a new tentative hold. */
export const buildHoldCalendar = (input: HoldEventInput): string => {
  const calendar = new ICAL.Component(["vcalendar", [], []])
  calendar.updatePropertyWithValue("prodid", PRODID)
  calendar.updatePropertyWithValue("version", "2.0")
  calendar.updatePropertyWithValue("calscale", "GREGORIAN")
  const vevent = new ICAL.Component("vevent", calendar)
  vevent.updatePropertyWithValue("uid", holdUid(input.bookingId))
  vevent.updatePropertyWithValue("created", utcTime(input.now))
  touch(vevent, input.now, false)
  vevent.updatePropertyWithValue("sequence", 0)
  vevent.updatePropertyWithValue("summary", input.summary)
  vevent.updatePropertyWithValue("status", "TENTATIVE")
  vevent.updatePropertyWithValue("transp", "OPAQUE")
  vevent.updatePropertyWithValue(BOOKING_ID_PROPERTY, input.bookingId)
  calendar.addSubcomponent(vevent)
  setTimes(calendar, vevent, input.start, input.end, input.tz)
  return calendar.toString()
}

export interface ParsedHold {
  readonly calendar: ICAL.Component
  readonly vevent: ICAL.Component
}

/**
 * Overlap's hold VEVENT in an object resource: the one carrying our booking-id property or our UID
 * (of `bookingId` when given). Undefined when the text is unreadable or holds no such event.
 */
export const parseHold = (text: string, bookingId?: string): ParsedHold | undefined => {
  let calendar: ICAL.Component
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as Array<unknown>)
  } catch {
    return undefined
  }
  const isOurs = (vevent: ICAL.Component): boolean => {
    const uid = vevent.getFirstPropertyValue("uid")
    const booking = vevent.getFirstPropertyValue(BOOKING_ID_PROPERTY)
    return bookingId === undefined
      ? typeof booking === "string" || (typeof uid === "string" && uid.startsWith(holdUid("")))
      : booking === bookingId || uid === holdUid(bookingId)
  }
  const vevent = calendar.getAllSubcomponents("vevent").find((candidate) => !candidate.hasProperty("recurrence-id") && isOurs(candidate))
  return vevent === undefined ? undefined : { calendar, vevent }
}

/** The hold's STATUS ("TENTATIVE", "CONFIRMED", …), upper-case. */
export const holdStatus = (hold: ParsedHold): string => String(hold.vevent.getFirstPropertyValue("status") ?? "").toUpperCase()

/** Where the hold is now, as instants (floating times read in `calendarZone`). */
export const holdInterval = (hold: ParsedHold, calendarZone: Zone): { readonly start: number; readonly end: number } => {
  const event = new ICAL.Event(hold.vevent)
  const startTzid = tzidParam(hold.vevent, "dtstart")
  return {
    start: instantOf(event.startDate, startTzid, calendarZone),
    end: instantOf(event.endDate, hold.vevent.hasProperty("dtend") ? tzidParam(hold.vevent, "dtend") : startTzid, calendarZone)
  }
}

/** Where the meeting is, on the event: LOCATION, URL, DESCRIPTION (each replaced when given). */
export interface HoldPlace {
  readonly location?: string | undefined
  readonly url?: string | undefined
  readonly description?: string | undefined
}

/** The hold with a new STATUS (and where the meeting is); SEQUENCE goes up (RFC 5546: a significant change), other properties stay. */
export const withHoldStatus = (hold: ParsedHold, status: HoldStatus, now: number, place: HoldPlace = {}): string => {
  hold.vevent.updatePropertyWithValue("status", status)
  if (place.location !== undefined) hold.vevent.updatePropertyWithValue("location", place.location)
  if (place.url !== undefined) hold.vevent.updatePropertyWithValue("url", place.url)
  if (place.description !== undefined) hold.vevent.updatePropertyWithValue("description", place.description)
  touch(hold.vevent, now, true)
  return hold.calendar.toString()
}

/** The hold moved to [start, end), presented in the zone it already used (UTC when that is not IANA). */
export const withHoldTimes = (hold: ParsedHold, start: number, end: number, now: number): string => {
  const tzid = hold.vevent.getFirstProperty("dtstart")?.getParameter("tzid")
  setTimes(hold.calendar, hold.vevent, start, end, typeof tzid === "string" ? tzid : undefined)
  touch(hold.vevent, now, true)
  return hold.calendar.toString()
}
