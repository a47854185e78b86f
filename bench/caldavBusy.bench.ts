/**
 * Issue 6, "Done when": the CalDAV busy-time computation (parse iCalendar + expand recurrences + merge)
 * for a month of a heavy calendar: 2,000 calendar objects as a calendar-query REPORT returns them, no
 * network. Inputs come from a seeded PRNG, so every run measures the same calendar.
 */
import ICAL from "ical.js"
import { busyFromCalendarObjects } from "../src/domain/calendar/icalBusy"
import { zoneFor } from "../src/domain/slots/zone"
import { measure, seededRandom } from "./harness"

const random = seededRandom(6)
const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
const int = (below: number) => Math.floor(random() * below)

const BERLIN_VTIMEZONE = [
  "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
  "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
  "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
  "END:VTIMEZONE"
]

// The month measured: March 2025 in Berlin, which springs forward on the 30th.
const MONTH = { start: Date.UTC(2025, 2, 1) - 3_600_000, end: Date.UTC(2025, 3, 1) - 7_200_000 }

const pad = (n: number) => String(n).padStart(2, "0")
const local = (year: number, month: number, day: number, hour: number, minute: number) =>
  `${year}${pad(month)}${pad(day)}T${pad(hour)}${pad(minute)}00`
const date = (year: number, month: number, day: number) => `${year}${pad(month)}${pad(day)}`

const wrap = (events: ReadonlyArray<ReadonlyArray<string>>, withZone = true) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Overlap bench//EN", ...(withZone ? BERLIN_VTIMEZONE : []),
    ...events.flatMap((props) => ["BEGIN:VEVENT", "DTSTAMP:20250101T000000Z", ...props, "END:VEVENT"]),
    "END:VCALENDAR", ""].join("\r\n")

const flags = () => {
  const roll = random()
  return roll < 0.03 ? ["TRANSP:TRANSPARENT"] : roll < 0.06 ? ["STATUS:CANCELLED"] : roll < 0.1 ? ["STATUS:TENTATIVE"] : []
}

const objects: Array<string> = []

// 1,500 single meetings in the month, 15-120 minutes, on a 15-minute grid between 07:00 and 19:00.
for (let i = 0; i < 1_500; i++) {
  const day = 1 + int(31), hour = 7 + int(12), minute = 15 * int(4), length = 15 * (1 + int(8))
  const end = hour * 60 + minute + length
  objects.push(wrap([[
    `UID:single-${i}@bench`, `SUMMARY:Meeting ${i}`,
    `DTSTART;TZID=Europe/Berlin:${local(2025, 3, day, hour, minute)}`,
    `DTEND;TZID=Europe/Berlin:${local(2025, 3, day, Math.floor(end / 60), end % 60)}`,
    ...flags()
  ]]))
}

// 400 recurring series that began up to a year earlier: daily stand-ups, weekly and fortnightly
// meetings, some ending mid-month; a third with an EXDATE and one moved instance (RECURRENCE-ID).
for (let i = 0; i < 400; i++) {
  const rule = pick(["FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=MO,TH"])
  const until = random() < 0.2 ? `;UNTIL=202503${pad(10 + int(15))}T000000Z` : ""
  const startMonth = 1 + int(12), startYear = startMonth > 2 ? 2024 : 2025
  const startDay = 1 + int(28), hour = 8 + int(9), minute = 15 * int(4)
  const uid = `series-${i}@bench`
  const master = [
    `UID:${uid}`, `SUMMARY:Series ${i}`,
    `DTSTART;TZID=Europe/Berlin:${local(startYear, startMonth, startDay, hour, minute)}`,
    `DURATION:PT${15 * (1 + int(6))}M`,
    `RRULE:${rule}${until}`,
    ...flags()
  ]
  const events: Array<ReadonlyArray<string>> = []
  if (i % 3 === 0) {
    // Exceptions only make sense on instances that exist: take them from the rule itself.
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(wrap([master])) as Array<unknown>).getFirstSubcomponent("vevent")!)
    const iterator = event.iterator()
    const inMonth: Array<ICAL.Time> = []
    for (let next = iterator.next(); next && next.year <= 2025 && !(next.year === 2025 && next.month > 3); next = iterator.next()) {
      if (next.year === 2025 && next.month === 3) inMonth.push(next.clone())
    }
    if (inMonth.length >= 2) {
      const exdate = inMonth[int(inMonth.length)]!
      master.push(`EXDATE;TZID=Europe/Berlin:${local(exdate.year, exdate.month, exdate.day, exdate.hour, exdate.minute)}`)
      const moved = inMonth.find((t) => t.compare(exdate) !== 0)!
      events.push([
        `UID:${uid}`, `SUMMARY:Series ${i} (moved)`,
        `RECURRENCE-ID;TZID=Europe/Berlin:${local(moved.year, moved.month, moved.day, moved.hour, moved.minute)}`,
        `DTSTART;TZID=Europe/Berlin:${local(moved.year, moved.month, moved.day, 18, 0)}`,
        `DTEND;TZID=Europe/Berlin:${local(moved.year, moved.month, moved.day, 18, 45)}`
      ])
    }
  }
  objects.push(wrap([master, ...events]))
}

// 100 all-day events (1-3 days), floating dates read in the calendar's zone; as calendar apps create
// them, most are "free" (birthdays, holidays), a few block the day.
for (let i = 0; i < 100; i++) {
  const day = 1 + int(29)
  objects.push(wrap([[`UID:allday-${i}@bench`, `SUMMARY:Away ${i}`, `DTSTART;VALUE=DATE:${date(2025, 3, day)}`,
    `DTEND;VALUE=DATE:${date(2025, 3, Math.min(day + 1 + int(3), 31))}`, random() < 0.9 ? "TRANSP:TRANSPARENT" : "TRANSP:OPAQUE"]], false))
}

const berlin = zoneFor("Europe/Berlin")!
const run = () => busyFromCalendarObjects(objects, MONTH, { calendarZone: berlin })
const intervals = run().length
const bytes = objects.reduce((sum, text) => sum + text.length, 0)

await measure({
  name: "CalDAV busy time, one month (parse + expand + merge)",
  inputs: `${objects.length} calendar objects (1,500 single, 400 recurring series from up to a year back with EXDATE/RECURRENCE-ID, ` +
    `100 all-day, mostly transparent; ~10% of the rest transparent/cancelled/tentative), ${(bytes / 1024).toFixed(0)} KiB of iCalendar, Europe/Berlin, ` +
    `March 2025 (DST change inside) → ${intervals} merged busy intervals`,
  warmup: 3,
  iterations: 20,
  fn: run
})
