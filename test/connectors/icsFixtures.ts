/**
 * iCalendar objects as calendar clients write them (CRLF, VTIMEZONE blocks as Thunderbird/Apple ship
 * them). Test input only: production code builds iCalendar with ical.js.
 */

export const BERLIN_VTIMEZONE = [
  "BEGIN:VTIMEZONE",
  "TZID:Europe/Berlin",
  "BEGIN:DAYLIGHT",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "TZNAME:CEST",
  "DTSTART:19700329T020000",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
  "END:DAYLIGHT",
  "BEGIN:STANDARD",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "TZNAME:CET",
  "DTSTART:19701025T030000",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
  "END:STANDARD",
  "END:VTIMEZONE"
]

/** Outlook names zones after Windows; only the VTIMEZONE says what the name means. */
export const WINDOWS_BERLIN_VTIMEZONE = BERLIN_VTIMEZONE.map((line) =>
  line === "TZID:Europe/Berlin" ? "TZID:W. Europe Standard Time" : line
)

export const calendarObject = (lines: ReadonlyArray<string>, timezones: ReadonlyArray<ReadonlyArray<string>> = [BERLIN_VTIMEZONE]) =>
  [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Overlap tests//Fixtures//EN",
    ...timezones.flat(),
    ...lines,
    "END:VCALENDAR",
    ""
  ].join("\r\n")

export const vevent = (props: ReadonlyArray<string>) => ["BEGIN:VEVENT", "DTSTAMP:20250101T000000Z", ...props, "END:VEVENT"]

/** The calendar-timezone value of a Europe/Berlin calendar. */
export const BERLIN_CALENDAR_TIMEZONE = calendarObject([])

/** Weekly 10:00-11:00 Berlin from Monday 17 March 2025, across the 30 March spring-forward. */
export const WEEKLY_ACROSS_SPRING_DST = calendarObject(vevent([
  "UID:weekly-spring@overlap.test",
  "SUMMARY:Weekly sync",
  "DTSTART;TZID=Europe/Berlin:20250317T100000",
  "DTEND;TZID=Europe/Berlin:20250317T110000",
  "RRULE:FREQ=WEEKLY;COUNT=4"
]))

/** Weekly 10:00-10:30 Berlin from Monday 20 October 2025, across the 26 October fall-back. */
export const WEEKLY_ACROSS_AUTUMN_DST = calendarObject(vevent([
  "UID:weekly-autumn@overlap.test",
  "SUMMARY:Weekly review",
  "DTSTART;TZID=Europe/Berlin:20251020T100000",
  "DTEND;TZID=Europe/Berlin:20251020T103000",
  "RRULE:FREQ=WEEKLY;UNTIL=20251103T235959Z"
]))

/**
 * A weekday 09:00-09:15 Berlin stand-up, 3-14 March 2025, with every kind of exception:
 *  - 4 Mar moved out to 20 Mar; 5 Mar EXDATE; 6 Mar moved to 14:00-14:30; 7 Mar cancelled;
 *  - 10 Mar transparent; 13 Mar (after the queried range) moved into it, to 11 Mar 16:00-16:15.
 */
export const STANDUP_WITH_EXCEPTIONS = calendarObject([
  ...vevent([
    "UID:standup@overlap.test",
    "SUMMARY:Stand-up",
    "DTSTART;TZID=Europe/Berlin:20250303T090000",
    "DTEND;TZID=Europe/Berlin:20250303T091500",
    "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10",
    "EXDATE;TZID=Europe/Berlin:20250305T090000"
  ]),
  ...vevent([
    "UID:standup@overlap.test",
    "RECURRENCE-ID;TZID=Europe/Berlin:20250304T090000",
    "SUMMARY:Stand-up (moved out)",
    "DTSTART;TZID=Europe/Berlin:20250320T090000",
    "DTEND;TZID=Europe/Berlin:20250320T091500"
  ]),
  ...vevent([
    "UID:standup@overlap.test",
    "RECURRENCE-ID;TZID=Europe/Berlin:20250306T090000",
    "SUMMARY:Stand-up (afternoon)",
    "DTSTART;TZID=Europe/Berlin:20250306T140000",
    "DTEND;TZID=Europe/Berlin:20250306T143000"
  ]),
  ...vevent([
    "UID:standup@overlap.test",
    "RECURRENCE-ID;TZID=Europe/Berlin:20250307T090000",
    "SUMMARY:Stand-up (cancelled)",
    "STATUS:CANCELLED",
    "DTSTART;TZID=Europe/Berlin:20250307T090000",
    "DTEND;TZID=Europe/Berlin:20250307T091500"
  ]),
  ...vevent([
    "UID:standup@overlap.test",
    "RECURRENCE-ID;TZID=Europe/Berlin:20250310T090000",
    "SUMMARY:Stand-up (optional)",
    "TRANSP:TRANSPARENT",
    "DTSTART;TZID=Europe/Berlin:20250310T090000",
    "DTEND;TZID=Europe/Berlin:20250310T091500"
  ]),
  ...vevent([
    "UID:standup@overlap.test",
    "RECURRENCE-ID;TZID=Europe/Berlin:20250313T090000",
    "SUMMARY:Stand-up (pulled forward)",
    "DTSTART;TZID=Europe/Berlin:20250311T160000",
    "DTEND;TZID=Europe/Berlin:20250311T161500"
  ])
])

/** All day on Sunday 30 March 2025, the spring-forward day: 23 hours long in Berlin. */
export const ALL_DAY_DST_SUNDAY = calendarObject(vevent([
  "UID:all-day-sunday@overlap.test",
  "SUMMARY:Offsite",
  "DTSTART;VALUE=DATE:20250330",
  "DTEND;VALUE=DATE:20250331",
  "TRANSP:OPAQUE"
]), [])

/** All day on 2 April 2025, with neither DTEND nor DURATION (one day, RFC 5545 §3.6.1). */
export const ALL_DAY_NO_END = calendarObject(vevent([
  "UID:all-day-no-end@overlap.test",
  "SUMMARY:Holiday",
  "DTSTART;VALUE=DATE:20250402"
]), [])

/** 12 March 2025 15:00-16:00 floating (no zone): the calendar's zone decides. */
export const FLOATING_MEETING = calendarObject(vevent([
  "UID:floating@overlap.test",
  "SUMMARY:Floating",
  "DTSTART:20250312T150000",
  "DTEND:20250312T160000"
]), [])

export const singleEvent = (uid: string, start: string, end: string, extra: ReadonlyArray<string> = []) =>
  calendarObject(vevent([`UID:${uid}`, `SUMMARY:${uid}`, `DTSTART;TZID=Europe/Berlin:${start}`, `DTEND;TZID=Europe/Berlin:${end}`, ...extra]))
