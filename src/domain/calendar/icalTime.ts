import ICAL from "ical.js"
import { type Zone, zoneFor } from "../slots/zone"

/**
 * Turning iCalendar times into instants. Which rules apply to a local time, in order:
 *
 * 1. UTC ("…Z") is UTC.
 * 2. A TZID that names an IANA zone (possibly behind a vendor prefix such as
 *    "/mozilla.org/20050126_1/Europe/Berlin") uses the platform's tzdb through Intl: clients often ship
 *    stale or truncated VTIMEZONEs, tzdb is current, and this also works when the VTIMEZONE is missing.
 * 3. A TZID tzdb does not know ("W. Europe Standard Time" from Outlook) uses the object's own VTIMEZONE,
 *    which ical.js has already attached to the time.
 * 4. Floating times and all-day dates, and a TZID with neither, are read in the calendar's zone.
 */

/** The IANA zone a TZID names, if any: the name itself, else its longest tzdb-known path suffix. */
export const ianaZoneOf = (tzid: string): Zone | undefined => {
  const direct = zoneFor(tzid)
  if (direct !== undefined) return direct
  const parts = tzid.split("/").filter((part) => part !== "")
  for (let i = 1; i < parts.length - 1; i++) {
    const zone = zoneFor(parts.slice(i).join("/"))
    if (zone !== undefined) return zone
  }
  return undefined
}

/** The wall-clock value (civil.ts: local fields read as if UTC) of an iCalendar time. */
export const wallOf = (time: ICAL.Time): number =>
  time.isDate
    ? Date.UTC(time.year, time.month - 1, time.day)
    : Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second)

const isFloating = (zone: ICAL.Timezone | null | undefined): boolean =>
  zone === null || zone === undefined || zone === ICAL.Timezone.localTimezone || zone.tzid === "floating"

const UTC = zoneFor("UTC")!

/**
 * The zone whose wall clock `time` is read in, by the rules above; undefined when only the object's
 * VTIMEZONE (through ical.js) can say. `tzidHint` is the TZID parameter of the property the time came
 * from: ical.js leaves a time floating when that TZID has no VTIMEZONE, so the parameter is the only trace.
 * The answer is the same for every instance of a series, so expansion resolves it once.
 */
export const wallZoneOf = (time: ICAL.Time, tzidHint: string | undefined, calendarZone: Zone): Zone | undefined => {
  const zone = time.zone
  if (zone === ICAL.Timezone.utcTimezone || (zone !== undefined && zone !== null && zone.tzid === "UTC")) return UTC
  if (time.isDate) return calendarZone
  const tzid = isFloating(zone) ? tzidHint : zone!.tzid
  if (tzid !== undefined) {
    const iana = ianaZoneOf(tzid)
    if (iana !== undefined) return iana
    if (!isFloating(zone)) return undefined
  }
  return calendarZone
}

/** The instant of `time` (see wallZoneOf for `tzidHint`). */
export const instantOf = (time: ICAL.Time, tzidHint: string | undefined, calendarZone: Zone): number => {
  const zone = wallZoneOf(time, tzidHint, calendarZone)
  return zone === undefined ? time.toUnixTime() * 1000 : zone.instantOf(wallOf(time))
}

/** The TZID parameter of a component's first `name` property (dtstart, dtend, recurrence-id). */
export const tzidParam = (component: ICAL.Component, name: string): string | undefined => {
  const value = component.getFirstProperty(name)?.getParameter("tzid")
  return typeof value === "string" ? value : undefined
}

/**
 * The IANA zone id of a CalDAV `calendar-timezone` property (an iCalendar object holding one VTIMEZONE),
 * when tzdb knows its TZID; undefined otherwise.
 */
export const calendarTimezoneId = (text: string | undefined): string | undefined => {
  if (text === undefined || text.trim() === "") return undefined
  try {
    const calendar = new ICAL.Component(ICAL.parse(text) as Array<unknown>)
    const tzid = calendar.getFirstSubcomponent("vtimezone")?.getFirstPropertyValue("tzid")
    return typeof tzid === "string" ? ianaZoneOf(tzid)?.id : undefined
  } catch {
    return undefined
  }
}
