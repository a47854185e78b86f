/**
 * Weekly `app.overlap.slotOffer` records (issue 15 item 1) from the record to the slot engine, against the
 * brute-force oracle. The record goes the way production takes it: `validateRecord` (lexicon + semantic
 * checks), the index row's shape (as indexTasks.ts writes it), `toMatchRequest` (domain/holds/matchInput.ts),
 * `findSlots`. The oracle gets the same query with the record's windows laid out by this file's own reading of
 * the record (day by day with `instantOf` from oracle.ts, cut to validFrom/validUntil): no code shared with
 * offerShape.ts or the engine's weekly expansion.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { toMatchRequest } from "../../../src/domain/holds/matchInput"
import { findSlots, type HostRules, type Interval, type Offer, type SlotQuery } from "../../../src/domain/slots"
import { validateRecord } from "../../../src/domain/recordValidation"
import { instantOf, oracleSlots, wallOf } from "./oracle"

const MIN = 60_000
const DAY = 86_400_000
const NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const
type DayName = (typeof NAMES)[number]

// Searches start a few days before a DST change in the offer's zone (and one quiet week).
const CASES = [
  { tz: "Europe/Berlin", base: "2024-03-27T00:00Z" },
  { tz: "Europe/Berlin", base: "2024-10-23T00:00Z" },
  { tz: "America/New_York", base: "2024-03-06T00:00Z" },
  { tz: "America/New_York", base: "2024-10-30T00:00Z" },
  { tz: "Australia/Lord_Howe", base: "2024-04-03T00:00Z" },
  { tz: "Asia/Kolkata", base: "2024-06-12T00:00Z" }
] as const

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5))
const iso = (ms: number) => new Date(ms).toISOString()

interface WeeklyRecord {
  readonly tz: string
  readonly weekly: ReadonlyArray<{ readonly days: ReadonlyArray<DayName>; readonly start: string; readonly end: string }>
  readonly validFrom: number
  readonly validUntil: number | undefined
}

/** The record's windows in [from, until), read straight from the record (the oracle side). */
const recordWindows = (r: WeeklyRecord, from: number, until: number): Array<Interval> => {
  const out: Array<Interval> = []
  for (let day = Math.floor(from / DAY) - 2; day <= Math.floor(until / DAY) + 1; day++) {
    const name = NAMES[(new Date(day * DAY).getUTCDay() + 6) % 7]!
    for (const rule of r.weekly) {
      if (!rule.days.includes(name)) continue
      const startMin = minutesOf(rule.start)
      const endMin = minutesOf(rule.end) <= startMin ? minutesOf(rule.end) + 1_440 : minutesOf(rule.end)
      const start = Math.max(instantOf(r.tz, day * DAY + startMin * MIN), r.validFrom)
      const end = Math.min(instantOf(r.tz, day * DAY + endMin * MIN), r.validUntil ?? Infinity)
      if (end > start) out.push({ start, end })
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

/** The local day (in tz) that contains `t`, as an interval: a day off, blocked exactly like busy time. */
const localDay = (tz: string, t: number): Interval => {
  const midnight = Math.floor(wallOf(tz, t) / DAY) * DAY
  return { start: instantOf(tz, midnight), end: instantOf(tz, midnight + DAY) }
}

// Two windows a day (morning and afternoon, possibly touching), on 3–7 weekdays; validity around the change.
const weeklyRecord = (tz: string, base: number): fc.Arbitrary<WeeklyRecord> =>
  fc.record({
    days: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 3, maxLength: 7 }),
    morning: fc.integer({ min: 0, max: 16 }).map((i) => 5 * 60 + i * 30), // 05:00–13:00
    morningLength: fc.integer({ min: 2, max: 10 }).map((i) => i * 30),
    gap: fc.integer({ min: 0, max: 6 }).map((i) => i * 15),
    afternoonLength: fc.integer({ min: 1, max: 12 }).map((i) => i * 30),
    fromDay: fc.integer({ min: -3, max: 2 }),
    untilDays: fc.option(fc.integer({ min: 4, max: 20 }), { nil: undefined })
  }).map((g) => {
    const morningEnd = g.morning + g.morningLength
    const afternoonStart = morningEnd + g.gap
    const afternoonEnd = Math.min(afternoonStart + g.afternoonLength, 1_440)
    const weekly = [
      { days: g.days, start: hhmm(g.morning), end: hhmm(morningEnd) },
      ...(afternoonEnd > afternoonStart ? [{ days: g.days, start: hhmm(afternoonStart), end: hhmm(afternoonEnd) }] : [])
    ]
    const validFrom = base + g.fromDay * DAY + 7 * 3_600_000
    return { tz, weekly, validFrom, validUntil: g.untilDays === undefined ? undefined : validFrom + g.untilDays * DAY }
  })

const RULES: Omit<HostRules, "timeZone"> = {
  bufferBeforeMin: 15,
  bufferAfterMin: 15,
  minimumNoticeMin: 4 * 60,
  slotStepMin: 15,
  maxBookingsPerDay: 3
}

const scenario = fc.constantFrom(...CASES).chain(({ base: baseIso, tz }) => {
  const base = Date.parse(baseIso)
  return fc.record({
    record: weeklyRecord(tz, base),
    now: fc.integer({ min: -24 * 60, max: 24 * 60 }).map((m) => base + m * MIN),
    duration: fc.constantFrom(15, 30, 45, 60),
    dayOff: fc.integer({ min: 0, max: 13 }).map((d) => base + d * DAY + 12 * 3_600_000),
    bookings: fc.array(fc.integer({ min: 0, max: 14 * 24 * 4 }).map((q) => base + q * 15 * MIN), { maxLength: 6 }),
    hostBusy: fc.array(fc.record({ at: fc.integer({ min: 0, max: 14 * 24 * 4 }), length: fc.integer({ min: 1, max: 12 }) }), { maxLength: 6 }),
    guestTz: fc.constantFrom("UTC", "Asia/Tokyo", "America/Los_Angeles")
  }).map((s) => ({ ...s, base }))
})

describe("weekly slotOffer records through the slot engine", () => {
  it.prop("a weekly record with two windows a day gives exactly the oracle's slots across a DST change", { s: scenario }, ({ s }) => {
    const { record } = s
    // The record as a host writes it: start–end is its first window (docs/records.md).
    const first = recordWindows(record, record.validFrom, record.validFrom + 8 * DAY)[0]!
    const value = {
      $type: "app.overlap.slotOffer",
      start: iso(first.start),
      end: iso(first.end),
      policy: "anyone",
      tz: record.tz,
      weekly: record.weekly,
      validFrom: iso(record.validFrom),
      ...(record.validUntil !== undefined ? { validUntil: iso(record.validUntil) } : {}),
      createdAt: iso(s.base)
    }
    const valid = validateRecord("app.overlap.slotOffer", value)
    if (Either.isLeft(valid)) throw new Error(`${valid.left.field}: ${valid.left.message}`)
    if (valid.right.collection !== "app.overlap.slotOffer") throw new Error("wrong collection")
    const v = valid.right.value
    // the index row, as indexTasks.ts writes it
    const row = {
      startAt: Date.parse(v.start),
      endAt: Date.parse(v.end),
      tz: v.tz,
      weekly: v.weekly ?? null,
      validFrom: v.validFrom !== undefined ? Date.parse(v.validFrom) : null,
      validUntil: v.validUntil !== undefined ? Date.parse(v.validUntil) : null
    }
    const horizon = s.now + 14 * DAY // a 14-day horizon
    const request = toMatchRequest({
      hostDid: "did:plc:host",
      guestDid: "did:plc:guest",
      bookingId: "b",
      offers: [row],
      constraints: { durationMin: s.duration, durationMax: s.duration, tz: s.guestTz, earliest: iso(s.now), latest: iso(horizon) },
      hostRules: { ...RULES, timeZone: record.tz },
      now: s.now
    })
    const bookings = s.bookings.map((start) => ({ start, end: start + 30 * MIN }))
    const hostBusy = [
      localDay(record.tz, s.dayOff), // one day off
      ...s.hostBusy.map(({ at, length }) => ({ start: s.base + at * 15 * MIN, end: s.base + (at + length) * 15 * MIN }))
    ]
    const query: SlotQuery = {
      now: s.now,
      limit: 10_000,
      offers: request.offers,
      hostBusy,
      guestBusy: [],
      holds: [],
      bookings,
      host: request.host,
      guest: request.guest
    }
    const engine = findSlots(query)
    if (Either.isLeft(engine)) throw new Error(`${engine.left.field}: ${engine.left.reason}`)
    const oracleOffers: Array<Offer> = recordWindows(record, s.now - DAY, horizon + DAY)
      .map((w) => ({ _tag: "window", start: w.start, end: w.end, timeZone: record.tz }))
    const expected = oracleOffers.length === 0 ? [] : oracleSlots({ ...query, offers: oracleOffers })
    expect(engine.right.map((x) => `${iso(x.start)}–${iso(x.end)}`)).toEqual(expected.map((x) => `${iso(x.start)}–${iso(x.end)}`))
  }, { timeout: 120_000, fastCheck: { numRuns: Number(process.env["SLOT_PROPERTY_RUNS"] ?? 60) } })
})

describe("single-window slotOffer records (before weekly hours)", () => {
  const old = {
    $type: "app.overlap.slotOffer",
    start: "2024-03-30T08:00:00.000Z",
    end: "2024-04-01T16:00:00.000Z",
    policy: "mutual",
    tz: "Europe/Berlin",
    note: "Office hours",
    createdAt: "2024-03-01T10:00:00.000Z"
  }

  const NOW = Date.parse("2024-03-30T00:00:00Z")

  it("still validate, and book exactly as one window (across the EU spring change)", () => {
    const valid = validateRecord("app.overlap.slotOffer", old)
    expect(Either.isRight(valid)).toBe(true)
    const request = toMatchRequest({
      hostDid: "did:plc:host",
      guestDid: "did:plc:guest",
      bookingId: "b",
      offers: [{ startAt: Date.parse(old.start), endAt: Date.parse(old.end), tz: old.tz }],
      constraints: { durationMin: 60, durationMax: 60, tz: "UTC" },
      hostRules: { ...RULES, timeZone: old.tz },
      now: NOW
    })
    expect(request.offers).toEqual([{ _tag: "window", start: Date.parse(old.start), end: Date.parse(old.end), timeZone: old.tz }])
    // no latest given: the window's end bounds the search, as before
    expect(request.guest.latest).toBe(Date.parse(old.end))
    const query: SlotQuery = {
      now: NOW, limit: 10_000, offers: request.offers, hostBusy: [], guestBusy: [], holds: [], bookings: [],
      host: request.host, guest: request.guest
    }
    const slots = findSlots(query)
    if (Either.isLeft(slots)) throw new Error(slots.left.reason)
    expect(slots.right.map((x) => `${iso(x.start)}–${iso(x.end)}`)).toEqual(oracleSlots(query).map((x) => `${iso(x.start)}–${iso(x.end)}`))
    expect(slots.right.length).toBeGreaterThan(0)
  })

  it("validFrom / validUntil without weekly hours are refused, naming the field", () => {
    const a = validateRecord("app.overlap.slotOffer", { ...old, validFrom: old.start })
    expect(Either.isLeft(a) && a.left.field).toBe("validFrom")
    const b = validateRecord("app.overlap.slotOffer", { ...old, validUntil: old.end })
    expect(Either.isLeft(b) && b.left.field).toBe("validUntil")
  })

  it("bad weekly hours are refused, naming the field", () => {
    const weekly = (rule: object) => ({ ...old, weekly: [{ days: ["monday"], start: "09:00", end: "12:00", ...rule }] })
    const cases: Array<[object, string]> = [
      [weekly({ start: "9:00" }), "weekly.0.start"],
      [weekly({ start: "24:00" }), "weekly.0.start"],
      [weekly({ end: "25:00" }), "weekly.0.end"],
      [weekly({ end: "09:00" }), "weekly.0.end"],
      [weekly({ days: ["monday", "monday"] }), "weekly.0.days"],
      [weekly({ days: [] }), "weekly.0.days"],
      [weekly({ days: ["funday"] }), "weekly.0.days.0"],
      [{ ...weekly({}), validFrom: "2024-03-31T00:00:00Z" }, "start"],
      [{ ...weekly({}), validUntil: "2024-03-31T00:00:00Z" }, "end"],
      [{ ...weekly({}), validFrom: "2024-03-30T00:00:00Z", validUntil: "2024-03-29T00:00:00Z" }, "validUntil"]
    ]
    for (const [value, field] of cases) {
      const result = validateRecord("app.overlap.slotOffer", value)
      expect(Either.isLeft(result) ? result.left.field : "valid", JSON.stringify(value)).toBe(field)
    }
    expect(Either.isRight(validateRecord("app.overlap.slotOffer", weekly({ end: "24:00" })))).toBe(true)
    expect(Either.isRight(validateRecord("app.overlap.slotOffer", weekly({ start: "22:00", end: "02:00" })))).toBe(true)
  })
})
