import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import type { Interval, Offer, Slot, SlotQuery } from "../../../src/domain/slots"
import { Weekday } from "../../../src/domain/slots"
import { oracleSlots, violations, wallOf, windowsOf } from "./oracle"
import { slotsOf } from "./support"

const MIN = 60_000

// Zones with the awkward cases: 1-hour DST both hemispheres' sides of the Atlantic, 30-minute DST,
// +5:30 and +5:45 without DST.
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "America/Los_Angeles",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Asia/Kathmandu"
] as const
// Search ranges start on (or just before) DST changes in those zones, and on a quiet day.
const BASES = [
  "2024-03-09T00:00Z", // US spring forward on the 10th
  "2024-03-30T00:00Z", // EU spring forward on the 31st
  "2024-04-05T00:00Z", // Lord Howe back 30 min on the 7th
  "2024-10-04T00:00Z", // Lord Howe forward 30 min on the 6th
  "2024-10-26T00:00Z", // EU fall back on the 27th
  "2024-11-02T00:00Z", // US fall back on the 3rd
  "2024-06-14T00:00Z"
].map((s) => Date.parse(s))

// The host's and guest's numbers come from Schemas (bounded so cases stay meaningful); Arbitrary.make
// derives their generators. Steps divide a day, so the oracle's grid test is exact.
const HostNumbers = Schema.Struct({
  bufferBeforeMin: Schema.Int.pipe(Schema.between(0, 30)),
  bufferAfterMin: Schema.Int.pipe(Schema.between(0, 30)),
  minimumNoticeMin: Schema.Int.pipe(Schema.between(0, 6 * 60)),
  maxBookingsPerDay: Schema.optional(Schema.Int.pipe(Schema.between(1, 3))),
  slotStepMin: Schema.Literal(5, 10, 15, 20, 30, 45, 60),
  preferredDurationMin: Schema.optional(Schema.Int.pipe(Schema.between(10, 150)))
})
const GuestNumbers = Schema.Struct({
  durationMin: Schema.Int.pipe(Schema.between(10, 120)),
  extraMin: Schema.Int.pipe(Schema.between(0, 60)),
  weekdays: Schema.optional(Schema.Array(Weekday).pipe(Schema.minItems(1)))
})

const zone = fc.constantFrom(...ZONES)
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`

const interval = (base: number, maxLengthMin: number): fc.Arbitrary<Interval> =>
  fc.record({ at: fc.integer({ min: -1_440, max: 4 * 1_440 }), length: fc.integer({ min: 5, max: maxLengthMin }) })
    .map(({ at, length }) => ({ start: base + at * MIN, end: base + (at + length) * MIN }))

const offer = (base: number): fc.Arbitrary<Offer> =>
  fc.oneof(
    fc.record({ zone, at: fc.integer({ min: -360, max: 2 * 1_440 }), length: fc.integer({ min: 30, max: 720 }) })
      .map(({ at, length, zone }): Offer => ({ _tag: "window", start: base + at * MIN, end: base + (at + length) * MIN, timeZone: zone })),
    fc.record({
      zone,
      weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 7 }),
      start: fc.integer({ min: 0, max: 287 }).map((i) => i * 5),
      end: fc.integer({ min: 0, max: 288 }).map((i) => i * 5)
    })
      .filter(({ end, start }) => end !== start)
      .map(({ end, start, weekdays, zone }): Offer => ({ _tag: "weekly", timeZone: zone, weekdays, start: hhmm(start), end: hhmm(end) }))
  )

const slotQuery: fc.Arbitrary<SlotQuery> = fc.constantFrom(...BASES).chain((base) =>
  fc.record({
    now: fc.integer({ min: -720, max: 720 }).map((m) => base + m * MIN),
    earliest: fc.integer({ min: -720, max: 720 }).map((m) => base + m * MIN),
    rangeMin: fc.integer({ min: 12 * 60, max: 3 * 1_440 }),
    limit: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(10_000)),
    offers: fc.array(offer(base), { minLength: 1, maxLength: 4 }),
    hostBusy: fc.array(interval(base, 240), { maxLength: 8 }),
    guestBusy: fc.array(interval(base, 240), { maxLength: 8 }),
    holds: fc.array(interval(base, 90), { maxLength: 2 }),
    bookings: fc.array(interval(base, 90), { maxLength: 3 }),
    hostZone: zone,
    guestZone: zone,
    host: Arbitrary.make(HostNumbers),
    guest: Arbitrary.make(GuestNumbers)
  }).map((r): SlotQuery => ({
    now: r.now,
    limit: r.limit,
    offers: r.offers,
    hostBusy: r.hostBusy,
    guestBusy: r.guestBusy,
    holds: r.holds,
    bookings: r.bookings,
    host: { ...r.host, timeZone: r.hostZone },
    guest: {
      timeZone: r.guestZone,
      durationMin: r.guest.durationMin,
      durationMax: r.guest.durationMin + r.guest.extraMin,
      earliest: r.earliest,
      latest: r.earliest + r.rangeMin * MIN,
      ...(r.guest.weekdays === undefined ? {} : { weekdays: r.guest.weekdays })
    }
  }))
)

// SLOT_PROPERTY_RUNS=5000 for a deeper local search; CI keeps the bounded default.
const numRuns = Number(process.env["SLOT_PROPERTY_RUNS"] ?? 200)
const runs = { timeout: 30_000 + numRuns * 50, fastCheck: { numRuns } }
const everything = (q: SlotQuery): SlotQuery => ({ ...q, limit: 10_000 })

/** Fisher–Yates with a fixed seed: a different order of the same input. */
const shuffled = <A>(xs: ReadonlyArray<A>, seed: number): Array<A> => {
  const out = [...xs]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe("slot engine properties", () => {
  it.prop("every candidate keeps every rule", { q: slotQuery }, ({ q }) => {
    const slots = slotsOf(q)
    for (const slot of slots) expect(violations(q, slot), show(slot)).toEqual([])
  }, runs)

  it.prop("every candidate lies inside an offer window and starts on its local step grid", { q: slotQuery }, ({ q }) => {
    const windows = windowsOf(q, q.guest.earliest, q.guest.latest)
    for (const slot of slotsOf(q)) {
      const home = windows.filter((w) => w.start <= slot.start && slot.end <= w.end)
      expect(home.length, `${show(slot)} inside a window`).toBeGreaterThan(0)
      const onGrid = home.some((w) => (wallOf(w.zone, slot.start) / MIN) % q.host.slotStepMin === 0)
      expect(onGrid, `${show(slot)} on a ${q.host.slotStepMin}-minute local grid`).toBe(true)
    }
  }, runs)

  it.prop("at most N, with distinct starts, earliest first", { q: slotQuery }, ({ q }) => {
    const slots = slotsOf(q)
    expect(slots.length).toBeLessThanOrEqual(q.limit)
    for (let i = 1; i < slots.length; i++) expect(slots[i]!.start).toBeGreaterThan(slots[i - 1]!.start)
  }, runs)

  it.prop("the first N are the first N of the full answer", { q: slotQuery }, ({ q }) => {
    expect(slotsOf(q)).toEqual(slotsOf(everything(q)).slice(0, q.limit))
  }, runs)

  it.prop("the same input gives the same output, in any input order", { q: slotQuery }, ({ q }) => {
    const first = slotsOf(q)
    expect(slotsOf(q)).toEqual(first)
    expect(slotsOf({
      ...q,
      offers: shuffled(q.offers, 1),
      hostBusy: shuffled(q.hostBusy, 2),
      guestBusy: shuffled(q.guestBusy, 3),
      holds: shuffled(q.holds, 4),
      bookings: shuffled(q.bookings, 5)
    })).toEqual(first)
  }, runs)

  it.prop("matches a brute-force search over every minute", { q: slotQuery }, ({ q }) => {
    expect(slotsOf(q).map(show)).toEqual(oracleSlots(q).map(show))
  }, { ...runs, fastCheck: { numRuns: Math.ceil(numRuns / 2) } })
})

function show(slot: Slot): string {
  return `${new Date(slot.start).toISOString()}–${new Date(slot.end).toISOString()}`
}
