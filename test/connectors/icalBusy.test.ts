import { describe, expect, it } from "@effect/vitest"
import ICAL from "ical.js"
import { buildHoldCalendar, holdInterval, parseHold, withHoldStatus, withHoldTimes } from "../../src/domain/calendar/holdEvent"
import { busyFromCalendarObjects, UnreadableCalendarObject } from "../../src/domain/calendar/icalBusy"
import { calendarTimezoneId, ianaZoneOf } from "../../src/domain/calendar/icalTime"
import { mergeBusy } from "../../src/domain/calendar/ranges"
import { zoneFor } from "../../src/domain/slots/zone"
import type { Interval } from "../../src/services/CalendarProvider"
import {
  BERLIN_CALENDAR_TIMEZONE,
  BERLIN_VTIMEZONE,
  calendarObject,
  STANDUP_WITH_EXCEPTIONS,
  vevent,
  WEEKLY_ACROSS_SPRING_DST,
  WINDOWS_BERLIN_VTIMEZONE
} from "./icsFixtures"

/** The pure half of the CalDAV connector: iCalendar in, busy instants out (no server). */

const berlin = zoneFor("Europe/Berlin")!
const utc = zoneFor("UTC")!
const range = (from: string, until: string): Interval => ({ start: Date.parse(from), end: Date.parse(until) })
const iso = (intervals: ReadonlyArray<Interval>) =>
  intervals.map((i) => `${new Date(i.start).toISOString().slice(0, 16)}/${new Date(i.end).toISOString().slice(11, 16)}`)
const busy = (objects: ReadonlyArray<string>, from: string, until: string, zone = berlin, maxInstancesPerSeries?: number) =>
  iso(busyFromCalendarObjects(objects, range(from, until), {
    calendarZone: zone,
    ...(maxInstancesPerSeries === undefined ? {} : { maxInstancesPerSeries })
  }))

describe("busy time from iCalendar", () => {
  it("expands the same fixtures as the Radicale test without a server", () => {
    expect(busy([STANDUP_WITH_EXCEPTIONS], "2025-03-03T00:00:00Z", "2025-03-12T00:00:00Z")).toEqual([
      "2025-03-03T08:00/08:15",
      "2025-03-06T13:00/13:30",
      "2025-03-11T08:00/08:15",
      "2025-03-11T15:00/15:15"
    ])
    expect(busy([WEEKLY_ACROSS_SPRING_DST], "2025-03-01T00:00:00Z", "2025-05-01T00:00:00Z", utc)).toEqual([
      "2025-03-17T09:00/10:00",
      "2025-03-24T09:00/10:00",
      "2025-03-31T08:00/09:00",
      "2025-04-07T08:00/09:00"
    ])
  })

  it("reads an IANA TZID through tzdb even when the object has no VTIMEZONE", () => {
    const noVtimezone = calendarObject(vevent([
      "UID:nyc",
      "DTSTART;TZID=America/New_York:20250303T090000",
      "DTEND;TZID=America/New_York:20250303T100000",
      "RRULE:FREQ=WEEKLY;COUNT=2"
    ]), [])
    // New York springs forward on 9 March 2025: 09:00 EST = 14:00Z, then 09:00 EDT = 13:00Z.
    expect(busy([noVtimezone], "2025-03-01T00:00:00Z", "2025-03-20T00:00:00Z", berlin)).toEqual([
      "2025-03-03T14:00/15:00",
      "2025-03-10T13:00/14:00"
    ])
    const prefixed = noVtimezone.replace(/TZID=America\/New_York/g, "TZID=/mozilla.org/20050126_1/America/New_York")
    expect(busy([prefixed], "2025-03-01T00:00:00Z", "2025-03-20T00:00:00Z", berlin)).toEqual([
      "2025-03-03T14:00/15:00",
      "2025-03-10T13:00/14:00"
    ])
  })

  it("uses the object's VTIMEZONE for a TZID tzdb does not know (Outlook's Windows names)", () => {
    const outlook = calendarObject(vevent([
      "UID:outlook",
      "DTSTART;TZID=W. Europe Standard Time:20250324T100000",
      "DTEND;TZID=W. Europe Standard Time:20250324T110000",
      "RRULE:FREQ=WEEKLY;COUNT=2"
    ]), [WINDOWS_BERLIN_VTIMEZONE])
    expect(busy([outlook], "2025-03-20T00:00:00Z", "2025-04-05T00:00:00Z", utc)).toEqual([
      "2025-03-24T09:00/10:00",
      "2025-03-31T08:00/09:00"
    ])
  })

  it("RRULE UNTIL in UTC, RDATE, DURATION and zero-length events", () => {
    const objects = [
      calendarObject(vevent([
        "UID:until",
        "DTSTART;TZID=Europe/Berlin:20250303T180000",
        "DURATION:PT30M",
        // 17:00Z on 5 March is exactly the third instance: UNTIL is inclusive.
        "RRULE:FREQ=DAILY;UNTIL=20250305T170000Z",
        "RDATE;TZID=Europe/Berlin:20250308T070000"
      ])),
      calendarObject(vevent(["UID:zero", "DTSTART:20250304T120000Z"]))
    ]
    expect(busy(objects, "2025-03-01T00:00:00Z", "2025-03-10T00:00:00Z")).toEqual([
      "2025-03-03T17:00/17:30",
      "2025-03-04T17:00/17:30",
      "2025-03-05T17:00/17:30",
      "2025-03-08T06:00/06:30"
    ])
  })

  it("UNTIL and a UTC RECURRENCE-ID meet the instance at its true instant, with or without the VTIMEZONE", () => {
    // 14:00 Berlin is 12:00Z in CEST: UNTIL=…T120000Z includes 2 April exactly, and the override that
    // names the 1 April instance in UTC must replace it (not add to it).
    const series = (timezones: ReadonlyArray<ReadonlyArray<string>>) => calendarObject([
      ...vevent([
        "UID:until-exact",
        "DTSTART;TZID=Europe/Berlin:20250331T140000",
        "DTEND;TZID=Europe/Berlin:20250331T150000",
        "RRULE:FREQ=DAILY;UNTIL=20250402T120000Z"
      ]),
      ...vevent([
        "UID:until-exact",
        "RECURRENCE-ID:20250401T120000Z",
        "DTSTART;TZID=Europe/Berlin:20250401T170000",
        "DTEND;TZID=Europe/Berlin:20250401T173000"
      ])
    ], timezones)
    const expected = ["2025-03-31T12:00/13:00", "2025-04-01T15:00/15:30", "2025-04-02T12:00/13:00"]
    expect(busy([series([BERLIN_VTIMEZONE])], "2025-03-30T00:00:00Z", "2025-04-10T00:00:00Z", utc)).toEqual(expected)
    expect(busy([series([])], "2025-03-30T00:00:00Z", "2025-04-10T00:00:00Z", utc)).toEqual(expected)
  })

  it("an override without its master (an invitation to one instance) is a plain event; a cancelled master cancels all", () => {
    const orphan = calendarObject(vevent([
      "UID:orphan",
      "RECURRENCE-ID;TZID=Europe/Berlin:20250305T090000",
      "DTSTART;TZID=Europe/Berlin:20250305T110000",
      "DTEND;TZID=Europe/Berlin:20250305T120000"
    ]))
    const cancelledSeries = STANDUP_WITH_EXCEPTIONS.replace("SUMMARY:Stand-up\r\n", "SUMMARY:Stand-up\r\nSTATUS:CANCELLED\r\n")
    expect(busy([orphan, cancelledSeries], "2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z")).toEqual(["2025-03-05T10:00/11:00"])
  })

  it("a runaway rule is cut off and the rest of the range counts as busy, never as free", () => {
    const minutely = calendarObject(vevent([
      "UID:runaway",
      "DTSTART:20250101T000000Z",
      "DTEND:20250101T000001Z",
      "RRULE:FREQ=MINUTELY"
    ]))
    const result = busy([minutely], "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", utc, 100)
    expect(result.at(-1)).toBe("2025-01-01T01:40/00:00")
  })

  it("an object that is not iCalendar is an error, not silently free time", () => {
    expect(() => busyFromCalendarObjects([WEEKLY_ACROSS_SPRING_DST, "BEGIN:VCALENDAR\r\nthis is not ical"], range("2025-03-01", "2025-04-01"), { calendarZone: utc }))
      .toThrow(UnreadableCalendarObject)
  })

  it("calendar-timezone and TZIDs resolve to IANA zones", () => {
    expect(calendarTimezoneId(BERLIN_CALENDAR_TIMEZONE)).toBe("Europe/Berlin")
    expect(calendarTimezoneId(calendarObject([], [WINDOWS_BERLIN_VTIMEZONE]))).toBeUndefined()
    expect(calendarTimezoneId("garbage")).toBeUndefined()
    expect(ianaZoneOf("/citadel.org/20190914_1/Europe/Berlin")?.id).toBe("Europe/Berlin")
    expect(ianaZoneOf("W. Europe Standard Time")).toBeUndefined()
  })
})

describe("busy time agrees with a plain ical.js walk from DTSTART", () => {
  // The fast paths (skipping ahead in old series, tzdb zones, wall-clock instances) against the slow,
  // obvious expansion: ical.js alone, every instance from DTSTART, each object's own VTIMEZONE.
  const oracle = (text: string, window: Interval): ReadonlyArray<Interval> => {
    const calendar = new ICAL.Component(ICAL.parse(text) as Array<unknown>)
    const master = calendar.getAllSubcomponents("vevent").find((v) => !v.hasProperty("recurrence-id"))!
    const event = new ICAL.Event(master)
    const out: Array<Interval> = []
    const iterator = event.iterator()
    for (let next = iterator.next(); next && next.toUnixTime() * 1000 < window.end; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next)
      const item = details.item.component
      if (item.getFirstPropertyValue("status") === "CANCELLED" || item.getFirstPropertyValue("transp") === "TRANSPARENT") continue
      out.push({ start: details.startDate.toUnixTime() * 1000, end: details.endDate.toUnixTime() * 1000 })
    }
    return mergeBusy(out, window)
  }

  it("for 250 seeded random daily and weekly series, with BYDAY, INTERVAL, WKST, EXDATE, UNTIL and COUNT", () => {
    let seed = 20250330
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
    const pad = (n: number) => String(n).padStart(2, "0")
    const local = (d: Date) =>
      `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00`
    const window = range("2025-03-20T00:00:00Z", "2025-04-10T00:00:00Z") // Berlin springs forward on 30 March
    let nonEmpty = 0
    for (let i = 0; i < 250; i++) {
      const start = new Date(Date.UTC(2023, 0, 1) + Math.floor(random() * 820) * 86_400_000 + (6 + Math.floor(random() * 14)) * 3_600_000 + pick([0, 15, 30, 45]) * 60_000)
      const freq = pick(["DAILY", "WEEKLY"])
      const days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].filter(() => random() < 0.4)
      const rule = [
        `FREQ=${freq}`,
        ...(random() < 0.5 ? [`INTERVAL=${1 + Math.floor(random() * 3)}`] : []),
        ...(days.length > 0 && random() < 0.7 ? [`BYDAY=${days.join(",")}`] : []),
        ...(random() < 0.3 ? [`WKST=${pick(["MO", "SU", "WE"])}`] : []),
        ...(random() < 0.2 ? [`UNTIL=2025${pick(["0301", "0325", "0402", "0601"])}T120000Z`] : random() < 0.1 ? [`COUNT=${20 + Math.floor(random() * 400)}`] : [])
      ].join(";")
      const exdate = new Date(window.start + Math.floor(random() * 21) * 86_400_000)
      exdate.setUTCHours(start.getUTCHours(), start.getUTCMinutes())
      const text = calendarObject(vevent([
        `UID:random-${i}`,
        `DTSTART;TZID=Europe/Berlin:${local(start)}`,
        `DURATION:PT${15 * (1 + Math.floor(random() * 12))}M`,
        `RRULE:${rule}`,
        ...(random() < 0.3 ? [`EXDATE;TZID=Europe/Berlin:${local(exdate)}`] : [])
      ]))
      const expected = iso(oracle(text, window))
      if (expected.length > 0) nonEmpty++
      expect(iso(busyFromCalendarObjects([text], window, { calendarZone: utc })), `${i}: ${rule} from ${local(start)}`).toEqual(expected)
    }
    // The generator must produce series that reach the window, or the comparison proves nothing.
    expect(nonEmpty).toBeGreaterThan(120)
  })
})

describe("hold events", () => {
  const input = {
    bookingId: "bk_1",
    start: Date.parse("2025-03-30T00:30:00Z"),
    end: Date.parse("2025-03-30T02:30:00Z"),
    tz: "Europe/Berlin",
    summary: "Overlap hold; with, commas\nand a newline",
    now: Date.parse("2025-03-01T12:00:00Z")
  }

  it("builds a TENTATIVE VEVENT in the requested zone whose VTIMEZONE covers a DST change inside it", () => {
    const text = buildHoldCalendar(input)
    const calendar = new ICAL.Component(ICAL.parse(text) as Array<unknown>)
    const event = calendar.getFirstSubcomponent("vevent")!
    expect(event.getFirstPropertyValue("status")).toBe("TENTATIVE")
    expect(event.getFirstPropertyValue("summary")).toBe(input.summary) // escaping is ical.js's job
    expect(text).toContain("SUMMARY:Overlap hold\\; with\\, commas\\nand a newline")
    // 00:30Z is 01:30 CET; 02:30Z is 04:30 CEST (the clocks jumped 02:00 → 03:00 at 01:00Z).
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20250330T013000")
    expect(text).toContain("DTEND;TZID=Europe/Berlin:20250330T043000")
    const observances = calendar.getFirstSubcomponent("vtimezone")!.getAllSubcomponents()
    expect(observances.map((o) => [o.name, String(o.getFirstPropertyValue("tzoffsetto"))])).toEqual([
      ["standard", "+01:00"],
      ["daylight", "+02:00"]
    ])
    // ical.js, reading our own VTIMEZONE (not tzdb), lands on the same instants.
    const parsed = new ICAL.Event(event)
    expect(parsed.startDate.toUnixTime() * 1000).toBe(input.start)
    expect(parsed.endDate.toUnixTime() * 1000).toBe(input.end)
    expect(holdInterval(parseHold(text, "bk_1")!, utc)).toEqual({ start: input.start, end: input.end })
  })

  it("confirm and move edit the parsed hold and bump SEQUENCE; parseHold finds only our event", () => {
    const text = buildHoldCalendar(input)
    expect(parseHold(text, "bk_other")).toBeUndefined()
    expect(parseHold("not ical")).toBeUndefined()
    const confirmed = withHoldStatus(parseHold(text)!, "CONFIRMED", input.now + 1000)
    expect(confirmed).toContain("STATUS:CONFIRMED")
    expect(confirmed).toContain("SEQUENCE:1")
    const to = { start: Date.parse("2025-07-01T08:00:00Z"), end: Date.parse("2025-07-01T09:00:00Z") }
    const moved = withHoldTimes(parseHold(confirmed, "bk_1")!, to.start, to.end, input.now + 2000)
    expect(moved).toContain("DTSTART;TZID=Europe/Berlin:20250701T100000")
    expect(moved).toContain("SEQUENCE:2")
    expect(moved.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1)
    expect(holdInterval(parseHold(moved)!, utc)).toEqual(to)
  })

  it("a zone tzdb does not know falls back to UTC times", () => {
    const text = buildHoldCalendar({ ...input, tz: "Mars/Olympus_Mons" })
    expect(text).toContain("DTSTART:20250330T003000Z")
    expect(text).not.toContain("VTIMEZONE")
  })
})
