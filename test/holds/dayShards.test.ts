import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer, TestClock } from "effect"
import { clash, clashingPairs, separationMs, type Span } from "../../src/domain/holds/overlap"
import { dayOf, markerKey, shardDaysOf, shardName, startDays, windowOfDay } from "../../src/domain/holds/shards"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { CalendarProviderTest, CalendarTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess, HoldStoreInProcessObjects } from "../../src/features/matching/HoldStoreInProcess"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { Held, HoldStore, HoldStoreAdmin, type MatchOutcome, PendingMatch } from "../../src/services/HoldStore"
import { type MatchRequest } from "../../src/domain/holds/matchRequest"
import { DAY, guestDidOf, hostDidOf, matchRequest, MIN, mondayAfter } from "./fixtures"

// The per-host `dayShards` switch over the in-memory objects (HoldStoreInProcess: the host's object and one per
// host and UTC day, each the engine HostMatchDO runs). The workerd suite (dayShards.workerd.test.ts) runs the
// same routing through the real objects.
const TestServices = HoldStoreInProcess.pipe(Layer.provideMerge(Layer.merge(CalendarProviderTest, BookingsRepoTest)))

const held = (outcome: MatchOutcome): Held => {
  if (!(outcome instanceof Held)) throw new Error(`expected a hold, got ${outcome._tag}`)
  return outcome
}

/** The records of one object, by name: own holds and markers of other shards' holds. */
const recordsOf = (name: string) =>
  Effect.map(HoldStoreInProcessObjects, (objects) => objects.ledgerOf(name)?.allHolds() ?? [])

const GAP15 = 15 * MIN
/** A host offering one absolute window (UTC), 15-minute grid, 15-minute buffers; 30-minute meetings. */
const nightRequest = (o: { host: string; guest: number; id: string; offer: Span; earliest: number; latest: number; now?: number }): MatchRequest => ({
  hostDid: o.host,
  guestDid: guestDidOf(o.guest),
  bookingId: o.id,
  offers: [{ _tag: "window", start: o.offer.start, end: o.offer.end, timeZone: "UTC" }],
  guest: { timeZone: "UTC", durationMin: 30, durationMax: 30, earliest: o.earliest, latest: o.latest },
  host: { timeZone: "UTC", bufferBeforeMin: 15, bufferAfterMin: 15, minimumNoticeMin: 0, slotStepMin: 15 },
  budgetMs: 60_000,
  ...(o.now !== undefined ? { now: o.now } : {})
})

describe("day shards: the pure rules", () => {
  it("a day's window keeps the slots starting on that day (they may end after midnight); start days run earliest first", () => {
    const day = 20_000
    const midnight = day * DAY
    expect(windowOfDay({ earliest: midnight - 2 * 60 * MIN, latest: midnight + 3 * DAY }, day, 30 * MIN)).toEqual({
      earliest: midnight,
      latest: midnight + DAY + 30 * MIN
    })
    expect(windowOfDay({ earliest: midnight + DAY, latest: midnight + 2 * DAY }, day, 30 * MIN)).toBeUndefined()
    expect(startDays(midnight - 60 * MIN, midnight + DAY + 10 * MIN, 30 * MIN)).toEqual([day - 1, day])
    expect(startDays(midnight - 60 * MIN, midnight + DAY + 30 * MIN, 30 * MIN)).toEqual([day - 1, day, day + 1])
    expect(markerKey("b-1", day)).toBe("b-1#d20000")
  })

  it("every slot a match could hold starts on one of the days the router asks, inside that day's window", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 * 1_440 }),
      fc.integer({ min: 30, max: 4 * 1_440 }),
      fc.integer({ min: 0, max: 5 * 1_440 }),
      (from, length, at) => {
        const base = 20_000 * DAY
        const window = { earliest: base + from * MIN, latest: base + (from + length) * MIN }
        const slot = { start: base + at * MIN, end: base + (at + 30) * MIN }
        if (slot.start < window.earliest || slot.end > window.latest) return
        expect(startDays(window.earliest, window.latest, 30 * MIN)).toContain(dayOf(slot.start))
        const narrowed = windowOfDay(window, dayOf(slot.start), 30 * MIN)!
        expect(slot.start >= narrowed.earliest && slot.end <= narrowed.latest).toBe(true)
      }
    ), { numRuns: 2_000 })
  })
})

describe("HoldStore with day shards (in memory)", () => {
  const T0 = Date.UTC(2026, 0, 5, 7)
  const monday = mondayAfter(T0)
  const request = (host: string, i: number, extra: Partial<Parameters<typeof matchRequest>[0]> = {}) =>
    matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `b-${i}`, earliest: monday, latest: monday + 2 * DAY, now: T0, ...extra })

  it.effect("switch off (the default): every hold stays in the host's object, as before; no shard is created", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const host = hostDidOf("off")
      const holds = yield* HoldStore
      expect(yield* (yield* HoldStoreAdmin).dayShards(host)).toBe(false)
      const got = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) => Effect.map(holds.match(request(host, i)), held))
      expect((yield* HoldStoreInProcessObjects).names()).toEqual([host])
      expect((yield* recordsOf(host)).map((r) => r.bookingId).sort()).toEqual(got.map((h) => h.bookingId).sort())
      expect(got.map((h) => (h.start - monday) / MIN)).toEqual([480, 525, 570, 615, 660, 705, 750, 795, 840, 885])
    }).pipe(Effect.provide(TestServices)))

  it.live("switch on: each hold lives in the shard of its start day, earliest day first; none in the host's object; no overlap", () =>
    Effect.gen(function*() {
      const host = hostDidOf("on")
      // Real time here (concurrency with latency): a week in the future, notice counted from the clock.
      const monday = mondayAfter(Date.now())
      const request = (_: string, i: number) =>
        matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `b-${i}`, earliest: monday, latest: monday + 2 * DAY })
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(host, { placeLatencyMs: 20 }) // every match is still placing while others reserve
      yield* (yield* HoldStoreAdmin).setDayShards(host, true)
      expect(yield* (yield* HoldStoreAdmin).dayShards(host)).toBe(true)
      const results = yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) => Effect.either(holds.match(request(host, i))),
        { concurrency: "unbounded" }
      )
      const got = results.filter(Either.isRight).map((r) => held(r.right))
      expect(results.filter(Either.isLeft).map((r) => r.left._tag).every((t) => t === "NoSlotAvailable")).toBe(true)
      expect(got).toHaveLength(26) // 13 a day (08:00 … 17:00 every 45 min), Monday and Tuesday
      expect(clashingPairs(got, separationMs({ bufferBeforeMin: 5, bufferAfterMin: 5 }))).toEqual([])

      const mondayShard = shardName(host, dayOf(monday))
      const tuesdayShard = shardName(host, dayOf(monday) + 1)
      expect([...(yield* HoldStoreInProcessObjects).names()].sort()).toEqual([host, mondayShard, tuesdayShard].sort())
      expect(yield* recordsOf(host)).toEqual([])
      const inMonday = yield* recordsOf(mondayShard)
      const inTuesday = yield* recordsOf(tuesdayShard)
      expect(inMonday).toHaveLength(13)
      expect(inTuesday).toHaveLength(13)
      expect(inMonday.every((r) => dayOf(r.start) === dayOf(monday) && r.state === "held")).toBe(true)
      expect(inTuesday.every((r) => dayOf(r.start) === dayOf(monday) + 1)).toBe(true)

      // Idempotent per booking: a retry meets its hold in its shard.
      const first = got.find((h) => h.bookingId === "b-0") ?? got[0]!
      const again = yield* holds.match(request(host, Number(first.bookingId.slice(2))))
      expect(again).toEqual(first)
      // The API's other calls find the hold through the host's object.
      yield* holds.confirm(host, first.bookingId)
      expect((yield* recordsOf(shardName(host, dayOf(first.start)))).find((r) => r.bookingId === first.bookingId)?.state).toBe("booked")
      yield* holds.release(host, first.bookingId)
      expect((yield* recordsOf(shardName(host, dayOf(first.start)))).map((r) => r.bookingId)).not.toContain(first.bookingId)
      expect(calendars.holdsOf(host)).toHaveLength(25)
      // Reschedule is not available with the switch on (docs/architecture.md).
      const refused = yield* Effect.flip(holds.reschedule({
        ...request(host, 1),
        expectedVersion: 1,
        patch: {}
      }))
      expect(refused).toMatchObject({ _tag: "HoldStoreError" })
    }).pipe(Effect.provide(TestServices)))

  describe("no overlap across shards at a day boundary", () => {
    // Monday 23:00 – Tuesday 01:00 UTC; 15-minute buffers reach across midnight.
    const night = mondayAfter(Date.now()) + DAY // Tuesday 00:00, in the future
    const offer = { start: night - 60 * MIN, end: night + 60 * MIN }
    const GAP = GAP15

    it.live("a hold before midnight is registered in the next day's shard, which then keeps its buffer", () =>
      Effect.gen(function*() {
        const host = hostDidOf("boundary1")
        const holds = yield* HoldStore
        const calendars = yield* CalendarTestControl
        yield* (yield* HoldStoreAdmin).setDayShards(host, true)
        // The first hold is still being placed on the host's calendar when the second match reads free/busy:
        // only the shards can keep them apart.
        calendars.configure(host, { placeLatencyMs: 300 })
        const first = yield* Effect.fork(holds.match(nightRequest({ host, guest: 1, id: "n-1", offer, earliest: night - 30 * MIN, latest: night })))
        yield* Effect.sleep("80 millis")
        const second = held(yield* holds.match(nightRequest({ host, guest: 2, id: "n-2", offer, earliest: night, latest: night + 60 * MIN })))
        const one = held(yield* first.await.pipe(Effect.flatten))
        expect(one.start).toBe(night - 30 * MIN) // Monday 23:30–00:00, home: Monday's shard
        expect(second.start).toBe(night + 15 * MIN) // not 00:00: the buffer after Monday's hold
        expect(clash(one, second, GAP)).toBe(false)
        const tuesday = yield* recordsOf(shardName(host, dayOf(night)))
        expect(tuesday.map((r) => r.bookingId).sort()).toEqual(["n-2", markerKey("n-1", dayOf(night) - 1)].sort())
        expect(tuesday.find((r) => r.bookingId !== "n-2")).toMatchObject({ start: one.start, end: one.end })
      }).pipe(Effect.provide(TestServices)))

    it.live("a hold after midnight makes the previous day's shard refuse a time within its buffer", () =>
      Effect.gen(function*() {
        const host = hostDidOf("boundary2")
        const holds = yield* HoldStore
        const calendars = yield* CalendarTestControl
        yield* (yield* HoldStoreAdmin).setDayShards(host, true)
        calendars.configure(host, { placeLatencyMs: 300 })
        const first = yield* Effect.fork(holds.match(nightRequest({ host, guest: 1, id: "m-1", offer, earliest: night, latest: night + 30 * MIN })))
        yield* Effect.sleep("80 millis")
        // Only Monday 23:30–00:00 fits this guest, and it is within 15 minutes of Tuesday's 00:00 hold.
        const second = yield* Effect.flip(holds.match(nightRequest({ host, guest: 2, id: "m-2", offer, earliest: night - 30 * MIN, latest: night })))
        expect(second).toMatchObject({ _tag: "NoSlotAvailable" })
        expect(held(yield* first.await.pipe(Effect.flatten)).start).toBe(night)
        const monday = yield* recordsOf(shardName(host, dayOf(night) - 1))
        expect(monday.map((r) => r.bookingId)).toEqual([markerKey("m-1", dayOf(night))])
      }).pipe(Effect.provide(TestServices)))

    it.live("many concurrent guests across two nights: no two holds within the buffer, each registered in every day its buffers reach", () =>
      Effect.gen(function*() {
        const host = hostDidOf("boundary3")
        const holds = yield* HoldStore
        const calendars = yield* CalendarTestControl
        const admin = yield* HoldStoreAdmin
        yield* admin.setDayShards(host, true)
        calendars.configure(host, { placeLatencyMs: 15 })
        const offers = [
          { _tag: "window" as const, start: night - 2 * 60 * MIN, end: night + 2 * 60 * MIN, timeZone: "UTC" },
          { _tag: "window" as const, start: night + DAY - 2 * 60 * MIN, end: night + DAY + 2 * 60 * MIN, timeZone: "UTC" }
        ]
        const random = fc.sample(fc.tuple(fc.integer({ min: -120, max: 100 }), fc.integer({ min: 30, max: 300 }), fc.boolean()), {
          numRuns: 60,
          seed: 7
        })
        const requests = random.map(([from, length, second], i): MatchRequest => {
          const base = second ? night + DAY : night
          return {
            ...nightRequest({ host, guest: i, id: `r-${i}`, offer, earliest: base + from * MIN, latest: base + (from + length) * MIN }),
            offers
          }
        })
        const results = yield* Effect.forEach(requests, (r) => Effect.either(holds.match(r)), { concurrency: "unbounded" })
        const got = results.filter(Either.isRight).map((r) => held(r.right))
        expect(got.length).toBeGreaterThan(8)
        expect(clashingPairs(got, GAP)).toEqual([])
        expect(clashingPairs(calendars.holdsOf(host).map((h) => ({ start: h.request.start, end: h.request.end })), GAP)).toEqual([])
        const bookings = yield* BookingsRepo
        for (const hold of got) {
          expect(yield* bookings.get(hold.bookingId)).toMatchObject({ status: "held", startAt: hold.start, endAt: hold.end })
          const home = dayOf(hold.start)
          for (const day of shardDaysOf(hold, GAP)) {
            const records = yield* recordsOf(shardName(host, day))
            const key = day === home ? hold.bookingId : markerKey(hold.bookingId, home)
            expect(records.find((r) => r.bookingId === key)).toMatchObject({ start: hold.start, end: hold.end })
          }
        }
        // Some holds really sit next to a midnight (the test would prove nothing otherwise).
        expect(got.some((h) => shardDaysOf(h, GAP).length > 1)).toBe(true)
      }).pipe(Effect.provide(TestServices)))
  })

  it.effect("a marker follows its hold: kept while the meeting is booked, dropped once the hold is released", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const host = hostDidOf("lease")
      const holds = yield* HoldStore
      yield* (yield* HoldStoreAdmin).setDayShards(host, true)
      const night = monday + DAY
      const offer = { start: night - 60 * MIN, end: night + 60 * MIN }
      const one = held(yield* holds.match(nightRequest({ host, guest: 1, id: "l-1", offer, earliest: night - 30 * MIN, latest: night, now: T0 })))
      const tuesdayShard = shardName(host, dayOf(night))
      const marker = markerKey("l-1", dayOf(night) - 1)
      yield* holds.confirm(host, "l-1")
      // Past the marker's first due time: the next call to Tuesday's shard renews it from its home.
      yield* TestClock.adjust("40 minutes")
      const late = nightRequest({ host, guest: 2, id: "l-2", offer, earliest: night, latest: night + 60 * MIN, now: T0 })
      expect(held(yield* holds.match(late)).start).toBe(night + 15 * MIN)
      expect((yield* recordsOf(tuesdayShard)).find((r) => r.bookingId === marker)).toMatchObject({ state: "booked", start: one.start })
      // Released: the marker goes at its next due time, and 00:00 is free again.
      yield* holds.release(host, "l-1")
      yield* holds.release(host, "l-2")
      yield* TestClock.adjust("26 hours")
      const later = nightRequest({ host, guest: 3, id: "l-3", offer, earliest: night, latest: night + 60 * MIN, now: T0 })
      expect(held(yield* holds.match(later)).start).toBe(night)
      expect((yield* recordsOf(tuesdayShard)).map((r) => r.bookingId)).not.toContain(marker)
    }).pipe(Effect.provide(TestServices)))

  it.effect("a rate-limited calendar: the host's object keeps the pending match, the queue finishes it in a shard", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const host = hostDidOf("pending")
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      yield* (yield* HoldStoreAdmin).setDayShards(host, true)
      calendars.configure(guestDidOf(1), { failBusy: "rate-limited", retryAfterMs: 30_000 })
      const pending = yield* holds.match(request(host, 1))
      if (!(pending instanceof PendingMatch)) throw new Error("expected a pending match")
      expect(yield* holds.match(request(host, 1))).toEqual(pending)
      calendars.configure(guestDidOf(1), {})
      const status = yield* holds.resumeMatch(pending.token)
      expect(status).toMatchObject({ _tag: "held", hold: { bookingId: "b-1", start: monday + 8 * 60 * MIN } })
      expect((yield* recordsOf(shardName(host, dayOf(monday)))).map((r) => r.bookingId)).toEqual(["b-1"])
    }).pipe(Effect.provide(TestServices)))

  it.effect("the switch changes only when no hold could end up on both sides of it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const host = hostDidOf("switch")
      const holds = yield* HoldStore
      const admin = yield* HoldStoreAdmin
      // On: refused while the host's object has a live hold.
      held(yield* holds.match(request(host, 1)))
      expect(yield* Effect.flip(admin.setDayShards(host, true))).toMatchObject({ _tag: "DayShardsSwitchRefused" })
      yield* holds.release(host, "b-1")
      yield* admin.setDayShards(host, true)
      held(yield* holds.match(request(host, 2)))
      // Off: refused right after a match went to a shard, and while a shard has a live hold.
      expect(yield* Effect.flip(admin.setDayShards(host, false))).toMatchObject({ _tag: "DayShardsSwitchRefused" })
      yield* TestClock.adjust("6 minutes")
      expect(yield* Effect.flip(admin.setDayShards(host, false))).toMatchObject({
        _tag: "DayShardsSwitchRefused",
        message: expect.stringContaining("live holds")
      })
      yield* holds.release(host, "b-2")
      yield* admin.setDayShards(host, false)
      expect(yield* admin.dayShards(host)).toBe(false)
      // Back in the host's object, and the freed time is there to take.
      expect(held(yield* holds.match(request(host, 3))).start).toBe(monday + 8 * 60 * MIN)
      expect((yield* recordsOf(host)).map((r) => r.bookingId)).toContain("b-3")
    }).pipe(Effect.provide(TestServices)))
})
