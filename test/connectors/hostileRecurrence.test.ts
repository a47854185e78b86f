import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULT_EXPANSION_LIMITS } from "../../src/domain/calendar/expansionBudget"
import type { Span } from "../../src/domain/calendar/ranges"
import { type IsolatedModule, isolatedModule } from "../support/isolatedRun"
import { calendarObject, vevent } from "./icsFixtures"

/**
 * Issue 12, item 7: recurrence rules built to make busy-time expansion spin (one invitation the server files by
 * itself is enough). Every expansion runs in a worker thread (recurrenceProbe.ts) that is terminated after
 * CALL_TIMEOUT_MS, so code that loops forever fails these tests instead of hanging the run. The clock is frozen,
 * as a deployed Worker's is inside synchronous code: only the step limits can stop an expansion there.
 */

const CALL_TIMEOUT_MS = 40_000
const TEST_TIMEOUT_MS = 60_000

const RANGE: Span = { start: Date.parse("2026-03-02T00:00:00Z"), end: Date.parse("2026-03-16T00:00:00Z") }
const WHOLE_RANGE = [{ start: RANGE.start, end: RANGE.end }]

interface Expanded {
  readonly busy: ReadonlyArray<Span>
  readonly unexpanded: ReadonlyArray<string>
  readonly ms: number
}

let probe: IsolatedModule
beforeAll(async () => {
  probe = await isolatedModule(path.join(import.meta.dirname, "recurrenceProbe.ts"))
})
afterAll(() => probe?.dispose())

const expand = (
  objects: ReadonlyArray<string>,
  options: { readonly range?: Span; readonly limits?: Record<string, number>; readonly clock?: "frozen" | "tick" } = {}
) => probe.call<Expanded>("expand", [objects, options.range ?? RANGE, "UTC", options.limits ?? {}, options.clock ?? "frozen"], CALL_TIMEOUT_MS)

const series = (uid: string, dtstart: string, rule: string, extra: ReadonlyArray<string> = []) =>
  calendarObject(vevent([`UID:${uid}`, `DTSTART:${dtstart}`, "DURATION:PT1H", `RRULE:${rule}`, ...extra]), [])

const at = (iso: string) => Date.parse(iso)
const day = (offset: number) => new Date(Date.UTC(2025, 0, 1) + offset * 86_400_000).toISOString().replace(/[-:]/g, "").slice(0, 8)

describe("hostile recurrence rules: expansion ends, fails closed and says so", () => {
  it("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31 (no instance, ever) counts busy for its whole span, not forever", async () => {
    const result = await expand([series("feb31", "20250101T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")])
    expect(result.busy).toEqual(WHOLE_RANGE)
    expect(result.unexpanded).toEqual(["series-steps"])
    // The span is the series' own: from a DTSTART inside the range, up to an UNTIL (plus one duration).
    const later = await expand([series("feb31-later", "20260309T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")])
    expect(later.busy).toEqual([{ start: at("2026-03-09T09:00:00Z"), end: RANGE.end }])
    const until = await expand([series("feb31-until", "20250101T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;UNTIL=20260310T000000Z")])
    expect(until.busy).toEqual([{ start: RANGE.start, end: at("2026-03-10T01:00:00Z") }])
    const ended = await expand([series("feb31-ended", "20250101T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;UNTIL=20260101T000000Z")])
    expect(ended.busy).toEqual([])
  }, TEST_TIMEOUT_MS)

  it("the same impossible day at other frequencies, and a YEARLY rule that no year satisfies", async () => {
    for (const rule of [
      "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
      "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31",
      "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31",
      "FREQ=YEARLY;BYMONTH=4;BYDAY=1MO;BYMONTHDAY=15,16,17,18,19,20,21"
    ]) {
      const result = await expand([series("impossible", "20000101T090000Z", rule)])
      expect(result.busy, rule).toEqual(WHOLE_RANGE)
      expect(result.unexpanded, rule).toEqual(["series-steps"])
    }
  }, TEST_TIMEOUT_MS)

  it("INTERVAL=2000000000 is stepped over one day at a time by ical.js: it hits the step limit at once", async () => {
    const result = await expand([series("interval", "20250101T090000Z", "FREQ=DAILY;INTERVAL=2000000000")])
    expect(result.busy).toEqual(WHOLE_RANGE)
    expect(result.unexpanded).toEqual(["series-steps"])
  }, TEST_TIMEOUT_MS)

  it("a huge COUNT: per second it stops at the instance limit and the rest is busy; per day it is expanded exactly", async () => {
    const secondly = await expand([
      calendarObject(vevent(["UID:count-s", "DTSTART:20260301T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY;COUNT=2000000000"]), [])
    ])
    expect(secondly.busy).toEqual(WHOLE_RANGE)
    expect(secondly.unexpanded).toEqual(["series-instances"])
    // COUNT keeps the expansion from skipping ahead, so this one walks from 1990: about 13,000 steps, within limits.
    const daily = await expand([series("count-d", "19900101T090000Z", "FREQ=DAILY;COUNT=2000000000")])
    expect(daily.unexpanded).toEqual([])
    expect(daily.busy).toHaveLength(14)
    expect(daily.busy[0]).toEqual({ start: at("2026-03-02T09:00:00Z"), end: at("2026-03-02T10:00:00Z") })
  }, TEST_TIMEOUT_MS)

  it("FREQ=SECONDLY since 1990 stops at the instance limit, busy from there on", async () => {
    const result = await expand([calendarObject(vevent(["UID:secondly", "DTSTART:19900101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"]), [])])
    expect(result.busy).toEqual(WHOLE_RANGE)
    expect(result.unexpanded).toEqual(["series-instances"])
  }, TEST_TIMEOUT_MS)

  it("thousands of EXDATEs: 3,000 are expanded exactly (ical.js alone gives up after 500 in a row); 20,000 fail closed", async () => {
    // Daily at 09:00 from 2025-01-01, the first 3,000 days excluded (to 2033-03-19).
    const exdates = Array.from({ length: 3_000 }, (_, i) => `EXDATE:${day(i)}T090000Z`)
    const excluded = await expand([series("exdates", "20250101T090000Z", "FREQ=DAILY", exdates)])
    expect(excluded.unexpanded).toEqual([])
    expect(excluded.busy).toEqual([])
    const after = await expand([series("exdates", "20250101T090000Z", "FREQ=DAILY", exdates)], {
      range: { start: at("2033-03-18T00:00:00Z"), end: at("2033-03-22T00:00:00Z") }
    })
    expect(after.busy).toEqual([
      { start: at("2033-03-20T09:00:00Z"), end: at("2033-03-20T10:00:00Z") },
      { start: at("2033-03-21T09:00:00Z"), end: at("2033-03-21T10:00:00Z") }
    ])
    const tooMany = await expand([series("exdates", "20250101T090000Z", "FREQ=DAILY", Array.from({ length: 20_000 }, (_, i) => `EXDATE:${day(i)}T090000Z`))])
    expect(tooMany.busy).toEqual(WHOLE_RANGE)
    expect(tooMany.unexpanded).toEqual(["series-steps"])
  }, TEST_TIMEOUT_MS)

  it("a rule ical.js refuses (WEEKLY with BYMONTHDAY) fails closed for its series only, not for the whole calendar", async () => {
    const lunch = calendarObject(vevent(["UID:lunch", "DTSTART:20260303T120000Z", "DTEND:20260303T130000Z"]), [])
    const result = await expand([
      lunch,
      series("weekly-bymonthday", "20260310T090000Z", "FREQ=WEEKLY;BYMONTHDAY=3")
    ])
    expect(result.busy).toEqual([
      { start: at("2026-03-03T12:00:00Z"), end: at("2026-03-03T13:00:00Z") },
      { start: at("2026-03-10T09:00:00Z"), end: RANGE.end }
    ])
    expect(result.unexpanded).toEqual(["invalid-rule"])
  }, TEST_TIMEOUT_MS)

  it("per calendar: once its steps are spent, the calendar's remaining series count busy without being expanded", async () => {
    const perCalendar = DEFAULT_EXPANSION_LIMITS.maxStepsPerCalendar / DEFAULT_EXPANSION_LIMITS.maxStepsPerSeries
    const hostile = Array.from({ length: perCalendar + 3 }, (_, i) => series(`feb31-${i}`, "20260314T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"))
    const standup = series("standup", "20260304T090000Z", "FREQ=WEEKLY;BYDAY=MO,WE")
    const lunch = calendarObject(vevent(["UID:lunch", "DTSTART:20260303T120000Z", "DTEND:20260303T130000Z"]), [])
    const result = await expand([...hostile, standup, lunch])
    expect(result.unexpanded).toEqual([...Array(perCalendar).fill("series-steps"), ...Array(4).fill("calendar-steps")])
    expect(result.busy).toEqual([
      { start: at("2026-03-03T12:00:00Z"), end: at("2026-03-03T13:00:00Z") }, // a single event is still read
      { start: at("2026-03-04T09:00:00Z"), end: RANGE.end } // the stand-up, not expanded, is busy from its DTSTART on
    ])
    // Another calendar has its own budget: the same stand-up alone is expanded instance by instance.
    const alone = await expand([standup])
    expect(alone.unexpanded).toEqual([])
    expect(alone.busy).toEqual(["2026-03-04", "2026-03-09", "2026-03-11"].map((d) => ({ start: at(`${d}T09:00:00Z`), end: at(`${d}T10:00:00Z`) })))
  }, TEST_TIMEOUT_MS)

  it("wall time: a series that outlives maxMsPerSeries, and a calendar that outlives maxMsPerCalendar, stop there", async () => {
    const feb31 = (uid: string) => series(uid, "20250101T090000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31")
    // The "tick" clock moves 1 ms per reading, and the budget reads it once per step.
    const result = await expand([feb31("a"), feb31("b"), feb31("c")], {
      clock: "tick",
      limits: { maxMsPerSeries: 2_000, maxMsPerCalendar: 3_000 }
    })
    expect(result.unexpanded).toEqual(["series-time", "calendar-time", "calendar-time"])
    expect(result.busy).toEqual(WHOLE_RANGE)
  }, TEST_TIMEOUT_MS)
})
