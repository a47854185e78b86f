import ICAL from "ical.js"
import type { Zone } from "../slots/zone"
import { ianaZoneOf, wallOf } from "./icalTime"

/**
 * ical.js time zones backed by tzdb (Intl) for TZIDs that name IANA zones.
 *
 * Left alone, ical.js builds a zone from every object's own VTIMEZONE and expands its rules from their
 * first DTSTART (usually 1970) up to a few years past today: milliseconds per calendar object, which
 * dominated busy time for a heavy calendar. It also leaves a TZID without a VTIMEZONE floating, so a
 * rule's UTC UNTIL or a UTC RECURRENCE-ID would be compared against the wrong instant. One shared
 * tzdb-backed zone per IANA name fixes both, and agrees with icalTime.ts, which reads IANA TZIDs from
 * tzdb anyway.
 */
class TzdbTimezone extends ICAL.Timezone {
  constructor(readonly iana: Zone) {
    super({ tzid: iana.id })
  }

  /** Seconds east of UTC at the local time `time` (ical.js's contract), "compatible" in gaps and overlaps. */
  override utcOffset(time: ICAL.Time): number {
    return this.iana.offsetAt(this.iana.instantOf(wallOf(time))) / 1000
  }
}

const shared = new Map<string, TzdbTimezone>()

const tzdbTimezone = (zone: Zone): TzdbTimezone => {
  let timezone = shared.get(zone.id)
  if (timezone === undefined) {
    timezone = new TzdbTimezone(zone)
    shared.set(zone.id, timezone)
  }
  return timezone
}

const DATE_PROPERTIES = ["dtstart", "dtend", "recurrence-id", "exdate", "rdate", "due"]

/**
 * Points every IANA TZID a parsed VCALENDAR uses (in its VTIMEZONEs or on its events' date properties)
 * at the shared tzdb zone. Call it before reading any time from the calendar. Works through ical.js's
 * per-calendar zone cache (`_timezoneCache`, ical.js 2.x); should that ever disappear, ical.js falls back
 * to the VTIMEZONEs: slower, and the results stay the same.
 */
export const useTzdbZones = (calendar: ICAL.Component): void => {
  const cache = (calendar as unknown as { _timezoneCache?: unknown })._timezoneCache
  if (!(cache instanceof Map)) return
  const tzids = new Set<string>()
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    const tzid = vtimezone.getFirstPropertyValue("tzid")
    if (typeof tzid === "string") tzids.add(tzid)
  }
  for (const component of calendar.getAllSubcomponents()) {
    for (const name of DATE_PROPERTIES) {
      for (const property of component.getAllProperties(name)) {
        const tzid = property.getParameter("tzid")
        if (typeof tzid === "string") tzids.add(tzid)
      }
    }
  }
  for (const tzid of tzids) {
    if (cache.has(tzid)) continue
    const zone = ianaZoneOf(tzid)
    if (zone !== undefined) cache.set(tzid, tzdbTimezone(zone))
  }
}
