import { describe, expect, it } from "@effect/vitest"
import type { Offer } from "../../../src/domain/slots"
import { at, query, show, slotsOf } from "./support"

// Every expected instant below is worked out by hand from the zone's published UTC offset on that date:
// Berlin CET +1 / CEST +2 (changes 2024-03-31 01:00Z, 2024-10-27 01:00Z); New York EST −5 / EDT −4
// (2024-03-10 07:00Z, 2024-11-03 06:00Z); Lord Howe +10:30 / +11 (2024-04-06 15:00Z, 2024-10-05 15:30Z);
// Kolkata +5:30; Kathmandu +5:45; Tokyo +9; Los Angeles PST −8 (January).

const everyDay = [1, 2, 3, 4, 5, 6, 7]
const weekly = (timeZone: string, start: string, end: string, weekdays = everyDay): Offer => ({
  _tag: "weekly",
  timeZone,
  weekdays,
  start,
  end
})

/** One candidate per window: the meeting is exactly as long as the window (8 h). */
const wholeWindows = (timeZone: string, from: string, to: string) =>
  show(slotsOf(query({
    now: at(from),
    offers: [weekly(timeZone, "09:00", "17:00")],
    host: { slotStepMin: 60 },
    guest: { durationMin: 480, durationMax: 480, earliest: at(from), latest: at(to) }
  })))

describe("a 09:00–17:00 local rule stays 09:00–17:00 local across DST", () => {
  it("Europe/Berlin, spring forward (2024-03-31)", () => {
    expect(wholeWindows("Europe/Berlin", "2024-03-30T00:00Z", "2024-04-02T00:00Z")).toEqual([
      "2024-03-30T08:00Z–16:00Z",
      "2024-03-31T07:00Z–15:00Z",
      "2024-04-01T07:00Z–15:00Z"
    ])
  })

  it("Europe/Berlin, fall back (2024-10-27)", () => {
    expect(wholeWindows("Europe/Berlin", "2024-10-26T00:00Z", "2024-10-29T00:00Z")).toEqual([
      "2024-10-26T07:00Z–15:00Z",
      "2024-10-27T08:00Z–16:00Z",
      "2024-10-28T08:00Z–16:00Z"
    ])
  })

  it("America/New_York, spring forward (2024-03-10)", () => {
    expect(wholeWindows("America/New_York", "2024-03-09T00:00Z", "2024-03-12T00:00Z")).toEqual([
      "2024-03-09T14:00Z–22:00Z",
      "2024-03-10T13:00Z–21:00Z",
      "2024-03-11T13:00Z–21:00Z"
    ])
  })

  it("America/New_York, fall back (2024-11-03)", () => {
    expect(wholeWindows("America/New_York", "2024-11-02T00:00Z", "2024-11-05T00:00Z")).toEqual([
      "2024-11-02T13:00Z–21:00Z",
      "2024-11-03T14:00Z–22:00Z",
      "2024-11-04T14:00Z–22:00Z"
    ])
  })

  it("Australia/Lord_Howe, 30-minute changes (2024-04-07 and 2024-10-06)", () => {
    expect(wholeWindows("Australia/Lord_Howe", "2024-04-05T12:00Z", "2024-04-08T12:00Z")).toEqual([
      "2024-04-05T22:00Z–2024-04-06T06:00Z",
      "2024-04-06T22:30Z–2024-04-07T06:30Z",
      "2024-04-07T22:30Z–2024-04-08T06:30Z"
    ])
    expect(wholeWindows("Australia/Lord_Howe", "2024-10-04T12:00Z", "2024-10-06T12:00Z")).toEqual([
      "2024-10-04T22:30Z–2024-10-05T06:30Z",
      "2024-10-05T22:00Z–2024-10-06T06:00Z"
    ])
  })

  it("Asia/Kolkata (+5:30, no DST) and Asia/Kathmandu (+5:45)", () => {
    expect(wholeWindows("Asia/Kolkata", "2024-03-30T00:00Z", "2024-04-01T00:00Z")).toEqual([
      "2024-03-30T03:30Z–11:30Z",
      "2024-03-31T03:30Z–11:30Z"
    ])
    expect(wholeWindows("Asia/Kathmandu", "2024-10-26T00:00Z", "2024-10-28T00:00Z")).toEqual([
      "2024-10-26T03:15Z–11:15Z",
      "2024-10-27T03:15Z–11:15Z"
    ])
  })
})

describe("the step grid follows the local wall clock of the window's zone", () => {
  const grid = (timeZone: string, day: string, from: string, to: string, stepMin: number, minutes: number, range: [string, string]) =>
    show(slotsOf(query({
      now: at(range[0]),
      offers: [weekly(timeZone, from, to)],
      host: { slotStepMin: stepMin },
      guest: { durationMin: minutes, durationMax: minutes, earliest: at(range[0]), latest: at(range[1]) }
    }))).filter((s) => s.startsWith(day))

  it("Asia/Kathmandu: an hourly step starts on the local hour (:15 UTC), not the UTC hour", () => {
    expect(grid("Asia/Kathmandu", "2024-06-03", "09:00", "11:00", 60, 30, ["2024-06-03T00:00Z", "2024-06-04T00:00Z"]))
      .toEqual(["2024-06-03T03:15Z–03:45Z", "2024-06-03T04:15Z–04:45Z"])
  })

  it("Asia/Kolkata: a 45-minute step counts from local midnight", () => {
    // 09:00 local = 540 min = 12 steps; 09:45, 10:30 follow; 10:30 + 30 min fits before 11:00.
    expect(grid("Asia/Kolkata", "2024-06-03", "09:00", "11:00", 45, 30, ["2024-06-03T00:00Z", "2024-06-04T00:00Z"]))
      .toEqual(["2024-06-03T03:30Z–04:00Z", "2024-06-03T04:15Z–04:45Z", "2024-06-03T05:00Z–05:30Z"])
  })

  it("America/New_York fall back: the repeated hour is offered twice, on the same local half-hours", () => {
    // 00:00–04:00 local on 2024-11-03 = 04:00Z–09:00Z (5 h elapsed); 01:00 and 01:30 happen in EDT and EST.
    expect(grid("America/New_York", "2024-11-03", "00:00", "04:00", 30, 30, ["2024-11-03T00:00Z", "2024-11-04T00:00Z"]))
      .toEqual([
        "2024-11-03T04:00Z–04:30Z", // 00:00 EDT
        "2024-11-03T04:30Z–05:00Z",
        "2024-11-03T05:00Z–05:30Z", // 01:00 EDT
        "2024-11-03T05:30Z–06:00Z", // 01:30 EDT
        "2024-11-03T06:00Z–06:30Z", // 01:00 EST
        "2024-11-03T06:30Z–07:00Z", // 01:30 EST
        "2024-11-03T07:00Z–07:30Z",
        "2024-11-03T07:30Z–08:00Z",
        "2024-11-03T08:00Z–08:30Z",
        "2024-11-03T08:30Z–09:00Z" // 03:30 EST, ends 04:00 EST
      ])
  })

  it("America/New_York spring forward: the skipped hour has no slots", () => {
    // 00:00 EST = 05:00Z … 04:00 EDT = 08:00Z: 3 h elapsed; 02:00 and 02:30 local do not exist.
    expect(grid("America/New_York", "2024-03-10", "00:00", "04:00", 30, 30, ["2024-03-10T00:00Z", "2024-03-11T00:00Z"]))
      .toEqual([
        "2024-03-10T05:00Z–05:30Z",
        "2024-03-10T05:30Z–06:00Z",
        "2024-03-10T06:00Z–06:30Z",
        "2024-03-10T06:30Z–07:00Z", // 01:30 EST
        "2024-03-10T07:00Z–07:30Z", // 03:00 EDT
        "2024-03-10T07:30Z–08:00Z"
      ])
  })

  it("Australia/Lord_Howe spring forward by 30 minutes: hourly slots stay on the local hour", () => {
    // 00:00 +10:30 = 13:30Z; 02:00 local does not exist; 03:00 +11 = 16:00Z; window ends 06:00 +11 = 19:00Z.
    expect(grid("Australia/Lord_Howe", "2024-10-05", "00:00", "06:00", 60, 60, ["2024-10-05T00:00Z", "2024-10-06T12:00Z"]))
      .toEqual([
        "2024-10-05T13:30Z–14:30Z",
        "2024-10-05T14:30Z–15:30Z",
        "2024-10-05T16:00Z–17:00Z",
        "2024-10-05T17:00Z–18:00Z",
        "2024-10-05T18:00Z–19:00Z"
      ])
  })

  it("Australia/Lord_Howe fall back by 30 minutes", () => {
    // 00:00 +11 = 13:00Z; at 15:00Z the clock goes from 02:00 back to 01:30; 04:00 +10:30 = 17:30Z.
    expect(grid("Australia/Lord_Howe", "2024-04-06", "00:00", "04:00", 60, 60, ["2024-04-06T00:00Z", "2024-04-07T12:00Z"]))
      .toEqual([
        "2024-04-06T13:00Z–14:00Z", // 00:00 +11
        "2024-04-06T14:00Z–15:00Z", // 01:00 +11
        "2024-04-06T15:30Z–16:30Z", // 02:00 +10:30
        "2024-04-06T16:30Z–17:30Z" // 03:00 +10:30
      ])
  })

  it("a step that does not divide the day runs on across midnight from the window's first day", () => {
    // Asia/Kolkata Friday 22:00–02:00 = 16:30Z–20:30Z; grid every 25 min from Friday 00:00 local:
    // 22:05 (53 steps), 22:30, 22:55, 23:20, 23:45, then 00:10, 00:35, 01:00, 01:25 (not 00:00, 00:25 …).
    expect(grid("Asia/Kolkata", "2024-01-05", "22:00", "02:00", 25, 30, ["2024-01-05T00:00Z", "2024-01-06T00:00Z"]))
      .toEqual([
        "2024-01-05T16:35Z–17:05Z", // 22:05
        "2024-01-05T17:00Z–17:30Z", // 22:30
        "2024-01-05T17:25Z–17:55Z", // 22:55
        "2024-01-05T17:50Z–18:20Z", // 23:20
        "2024-01-05T18:15Z–18:45Z", // 23:45
        "2024-01-05T18:40Z–19:10Z", // 00:10
        "2024-01-05T19:05Z–19:35Z", // 00:35
        "2024-01-05T19:30Z–20:00Z", // 01:00
        "2024-01-05T19:55Z–20:25Z" // 01:25, ends 01:55; 01:50 + 30 min would pass 02:00
      ])
  })
})

describe("windows that cross local midnight", () => {
  it("22:00–02:00 belongs to the day it starts on; the guest's weekday is judged at the start", () => {
    const friday = weekly("Asia/Kolkata", "22:00", "02:00", [5])
    const base = query({
      now: at("2024-01-01T00:00Z"),
      offers: [friday],
      host: { slotStepMin: 60, timeZone: "Asia/Kolkata" },
      guest: { timeZone: "Asia/Kolkata", durationMin: 60, durationMax: 60, earliest: at("2024-01-01T00:00Z"), latest: at("2024-01-08T00:00Z") }
    })
    // Friday 2024-01-05 22:00 IST = 16:30Z … Saturday 02:00 IST = 20:30Z.
    expect(show(slotsOf(base))).toEqual([
      "2024-01-05T16:30Z–17:30Z",
      "2024-01-05T17:30Z–18:30Z",
      "2024-01-05T18:30Z–19:30Z",
      "2024-01-05T19:30Z–20:30Z"
    ])
    // A guest who only meets on Fridays (Kolkata time) gets the two that start before midnight.
    expect(show(slotsOf({ ...base, guest: { ...base.guest, weekdays: [5] } }))).toEqual([
      "2024-01-05T16:30Z–17:30Z",
      "2024-01-05T17:30Z–18:30Z"
    ])
  })

  it("ending in a spring-forward gap, or in a repeated hour (New York)", () => {
    const saturdayNight = (earliest: string, latest: string, minutes: number) =>
      show(slotsOf(query({
        now: at(earliest),
        offers: [weekly("America/New_York", "22:00", "02:00", [6])],
        host: { slotStepMin: 60 },
        guest: { durationMin: minutes, durationMax: minutes, earliest: at(earliest), latest: at(latest) }
      })))
    // 22:00 EST = 03:00Z; 02:00 does not exist on 2024-03-10 → 03:00 EDT = 07:00Z: 4 h elapsed.
    expect(saturdayNight("2024-03-09T00:00Z", "2024-03-11T00:00Z", 240)).toEqual(["2024-03-10T03:00Z–07:00Z"])
    // 22:00 EDT = 02:00Z; 02:00 EST = 07:00Z (after the repeated hour): 5 h elapsed.
    expect(saturdayNight("2024-11-02T00:00Z", "2024-11-04T00:00Z", 300)).toEqual(["2024-11-03T02:00Z–07:00Z"])
  })

  it("rule times inside a gap move forward; ambiguous rule times take the earlier instant", () => {
    const sunday = (start: string, end: string, earliest: string, minutes: number) =>
      show(slotsOf(query({
        now: at(earliest),
        offers: [weekly("America/New_York", start, end, [7])],
        host: { slotStepMin: 30 },
        guest: { durationMin: minutes, durationMax: minutes, earliest: at(earliest), latest: at(earliest) + 2 * 86_400_000 }
      })))
    // 02:30 → 03:30 EDT = 07:30Z; 04:00 EDT = 08:00Z.
    expect(sunday("02:30", "04:00", "2024-03-09T00:00Z", 30)).toEqual(["2024-03-10T07:30Z–08:00Z"])
    // 01:30 → 01:30 EDT = 05:30Z; 03:00 EST = 08:00Z: 150 min.
    expect(sunday("01:30", "03:00", "2024-11-02T00:00Z", 150)).toEqual(["2024-11-03T05:30Z–08:00Z"])
    // A rule entirely inside the gap (02:00–03:00 on the spring day) offers nothing that day.
    expect(sunday("02:00", "03:00", "2024-03-09T00:00Z", 30)).toEqual([])
  })
})

describe("busy intervals spanning days, and people in different zones", () => {
  it("a busy interval over several days blocks every window it covers", () => {
    const slots = show(slotsOf(query({
      now: at("2024-03-04T00:00Z"),
      offers: [weekly("Europe/Berlin", "09:00", "12:00", [1, 2, 3, 4, 5])],
      guestBusy: [{ start: at("2024-03-05T09:00Z"), end: at("2024-03-07T09:00Z") }],
      host: { slotStepMin: 60 },
      guest: { durationMin: 60, durationMax: 60, earliest: at("2024-03-04T00:00Z"), latest: at("2024-03-08T00:00Z") }
    })))
    // Windows are 08:00Z–11:00Z (CET). Tuesday: only 08:00Z fits before 09:00Z; Wednesday: none;
    // Thursday: from 09:00Z.
    expect(slots).toEqual([
      "2024-03-04T08:00Z–09:00Z",
      "2024-03-04T09:00Z–10:00Z",
      "2024-03-04T10:00Z–11:00Z",
      "2024-03-05T08:00Z–09:00Z",
      "2024-03-07T09:00Z–10:00Z",
      "2024-03-07T10:00Z–11:00Z"
    ])
  })

  it("the guest's weekdays are judged in the guest's zone (Tokyo host, Los Angeles guest)", () => {
    // Host: Mon–Fri 09:00–12:00 JST = 00:00Z–03:00Z. Monday 09:00 JST is Sunday 16:00 PST: refused.
    const slots = show(slotsOf(query({
      now: at("2024-01-07T00:00Z"),
      offers: [weekly("Asia/Tokyo", "09:00", "12:00", [1, 2, 3, 4, 5])],
      host: { timeZone: "Asia/Tokyo", slotStepMin: 60 },
      guest: {
        timeZone: "America/Los_Angeles",
        weekdays: [1, 2, 3, 4, 5],
        durationMin: 60,
        durationMax: 60,
        earliest: at("2024-01-07T00:00Z"),
        latest: at("2024-01-13T00:00Z")
      }
    })))
    expect(slots.map((s) => s.slice(0, 16))).toEqual(
      ["09", "10", "11", "12"].flatMap((d) => [`2024-01-${d}T00:00`, `2024-01-${d}T01:00`, `2024-01-${d}T02:00`])
    )
  })

  it("the daily limit counts host-local days (Tokyo), not UTC days", () => {
    // A booking at 2024-01-10T23:00Z is on Thursday 11 January in Tokyo (08:00 JST): Thursday is full,
    // Wednesday (UTC day of the booking) is not.
    const slots = show(slotsOf(query({
      now: at("2024-01-09T12:00Z"),
      offers: [weekly("Asia/Tokyo", "09:00", "12:00", [1, 2, 3, 4, 5])],
      bookings: [{ start: at("2024-01-10T23:00Z"), end: at("2024-01-10T23:30Z") }],
      host: { timeZone: "Asia/Tokyo", slotStepMin: 60, maxBookingsPerDay: 1 },
      guest: { durationMin: 60, durationMax: 60, earliest: at("2024-01-09T12:00Z"), latest: at("2024-01-12T12:00Z") }
    })))
    expect(slots.map((s) => s.slice(0, 16))).toEqual([
      "2024-01-10T00:00",
      "2024-01-10T01:00",
      "2024-01-10T02:00",
      "2024-01-12T00:00",
      "2024-01-12T01:00",
      "2024-01-12T02:00"
    ])
  })

  it("overlapping windows in different zones each keep their own grid", () => {
    // UTC grid on :00/:30; Kathmandu (+5:45) grid on local :00/:30 = :15/:45 UTC.
    const slots = show(slotsOf(query({
      now: at("2024-06-03T00:00Z"),
      offers: [
        { _tag: "window", start: at("2024-06-03T09:00Z"), end: at("2024-06-03T11:00Z"), timeZone: "UTC" },
        { _tag: "window", start: at("2024-06-03T09:00Z"), end: at("2024-06-03T11:00Z"), timeZone: "Asia/Kathmandu" }
      ],
      host: { slotStepMin: 30 }
    })))
    expect(slots.map((s) => s.slice(11, 16))).toEqual(["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"])
  })
})
