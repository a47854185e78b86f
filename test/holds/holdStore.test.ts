import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, TestClock } from "effect"
import { clashingPairs, separationMs } from "../../src/domain/holds/overlap"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { CalendarProviderTest, CalendarTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { Held, HoldStore, type MatchOutcome, PendingMatch } from "../../src/services/HoldStore"
import { DAY, guestDidOf, hostDidOf, matchRequest, MIN, mondayAfter } from "./fixtures"

// The engine HostMatchDO runs, in memory (HoldStoreInProcess over CalendarProviderTest and BookingsRepoTest).
// The workerd suite (hostMatch.workerd.test.ts) runs the same scenarios through the real object.
const TestServices = HoldStoreInProcess.pipe(Layer.provideMerge(Layer.merge(CalendarProviderTest, BookingsRepoTest)))

const T0 = Date.UTC(2026, 0, 5, 7) // the clock of these tests
const monday = mondayAfter(T0)
const host = hostDidOf("A")
const request = (i: number, extra: Partial<Parameters<typeof matchRequest>[0]> = {}) =>
  matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `b-${i}`, earliest: monday, latest: monday + DAY, now: T0, ...extra })

const held = (outcome: MatchOutcome): Held => {
  if (!(outcome instanceof Held)) throw new Error(`expected a hold, got ${outcome._tag}`)
  return outcome
}

describe("HoldStore (in memory, the HostMatchDO engine)", () => {
  it.effect("holds the earliest fitting slot on both calendars and mirrors it in D1 as held", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.setBusy(host, [{ start: monday + 8 * 60 * MIN, end: monday + 9 * 60 * MIN }])
      const hold = held(yield* holds.match(request(1)))
      // 08:00–09:00 busy; the 5-minute buffer after it pushes the start to the 09:15 grid point.
      expect(new Date(hold.start).toISOString()).toBe(new Date(monday + 9.25 * 60 * MIN).toISOString())
      expect(hold.end - hold.start).toBe(30 * MIN)
      expect(hold.expiresAt).toBe(T0 + 15 * MIN)
      expect(calendars.holdsOf(host).map((h) => h.request.start)).toEqual([hold.start])
      expect(calendars.holdsOf(guestDidOf(1)).map((h) => h.request.start)).toEqual([hold.start])
      const booking = yield* (yield* BookingsRepo).get("b-1")
      expect(booking).toMatchObject({ status: "held", startAt: hold.start, endAt: hold.end, holdExpiresAt: hold.expiresAt })

      // Idempotent per booking: the same hold again, nothing new on the calendars.
      expect(yield* holds.match(request(1))).toEqual(hold)
      expect(calendars.holdsOf(host)).toHaveLength(1)
    }).pipe(Effect.provide(TestServices)))

  it.live("asks both calendars at once: two 100 ms free/busy calls take ~100 ms, not 200", () =>
    Effect.gen(function*() {
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(host, { busyLatencyMs: 100 }).configure(guestDidOf(1), { busyLatencyMs: 100 })
      held(yield* holds.match(request(1)))
      // the two calls were in flight at the same time (each began before the other ended); a wall-clock bound
      // here would fail on a loaded machine without saying anything about the code
      const [a, b] = calendars.calls.filter((c) => c.op === "busy")
      expect(a!.startedAt).toBeLessThan(b!.endedAt!)
      expect(b!.startedAt).toBeLessThan(a!.endedAt!)
    }).pipe(Effect.provide(TestServices)))

  it.live("60 concurrent guests: every one gets a hold or NoSlotAvailable, and no two holds come within the buffer", () =>
    Effect.gen(function*() {
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      // Slow placements on the host's calendar: every match is still placing while others reserve.
      calendars.configure(host, { placeLatencyMs: 20 })
      // Only 08:00–12:00 on one day; a hold takes 30 min + the 5-min buffer, rounded up to the 15-min grid:
      // 08:00, 08:45, 09:30, 10:15, 11:00 — five holds.
      const results = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) => Effect.either(holds.match(request(i, { offerEnd: "12:00" }))),
        { concurrency: "unbounded" }
      )
      const got = results.filter(Either.isRight).map((r) => held(r.right))
      const refused = results.filter(Either.isLeft).map((r) => r.left._tag)
      expect(got.map((h) => (h.start - monday) / MIN).sort((a, b) => a - b)).toEqual([480, 525, 570, 615, 660])
      expect(new Set(refused)).toEqual(new Set(["NoSlotAvailable"]))
      expect(clashingPairs(got, separationMs({ bufferBeforeMin: 5, bufferAfterMin: 5 }))).toEqual([])
      expect(calendars.holdsOf(host)).toHaveLength(5)
    }).pipe(Effect.provide(TestServices)))

  it.effect("rolls back when the guest's calendar fails: the host's hold is released and nothing stays reserved", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(guestDidOf(1), { failPlace: "broken" })
      const error = yield* Effect.flip(holds.match(request(1)))
      expect(error).toMatchObject({ _tag: "CalendarUnavailable", party: "guest", reason: "broken" })
      expect(calendars.calls.filter((c) => c.op === "placeHold" && c.did === host)).toHaveLength(1)
      expect(calendars.holdsOf(host)).toEqual([])
      expect(yield* Effect.either((yield* BookingsRepo).get("b-1"))).toMatchObject({ _tag: "Left" })
      // The time is free again: the next guest gets exactly that slot.
      const next = held(yield* holds.match(request(2)))
      expect(next.start).toBe(monday + 8 * 60 * MIN)
    }).pipe(Effect.provide(TestServices)))

  it.effect("a calendar that refuses a time makes the match try the next candidates, then refuse clearly", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(host, { failPlace: "rejected" })
      const error = yield* Effect.flip(holds.match(request(1)))
      expect(error).toMatchObject({ _tag: "CalendarUnavailable", party: "host", reason: "rejected" })
      const tried = calendars.calls.filter((c) => c.op === "placeHold" && c.did === guestDidOf(1))
      expect(tried).toHaveLength(3)
      expect(calendars.holdsOf(guestDidOf(1))).toEqual([]) // each attempt rolled back
      expect(new Set(calendars.calls.filter((c) => c.op === "releaseHold").map((c) => c.did))).toEqual(new Set([guestDidOf(1)]))
    }).pipe(Effect.provide(TestServices)))

  it.effect("a rate-limited calendar turns the match into a token that the queue finishes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(guestDidOf(1), { failBusy: "rate-limited", retryAfterMs: 30_000 })
      const pending = yield* holds.match(request(1))
      if (!(pending instanceof PendingMatch)) throw new Error("expected a pending match")
      expect(pending.retryAfterSec).toBe(30)
      expect(yield* holds.getMatchStatus(pending.token, guestDidOf(1))).toEqual({ _tag: "pending", retryAfterSec: 30 })
      expect(yield* holds.getMatchStatus(pending.token, host)).toMatchObject({ _tag: "pending" })
      expect(yield* Effect.flip(holds.getMatchStatus(pending.token, guestDidOf(2)))).toMatchObject({ _tag: "NotParticipant" })
      // A retried match call answers with the same token.
      expect(yield* holds.match(request(1))).toEqual(pending)

      // Still limited when the queue runs it: still pending.
      expect(yield* holds.resumeMatch(pending.token)).toMatchObject({ _tag: "pending" })
      calendars.configure(guestDidOf(1), {})
      const status = yield* holds.resumeMatch(pending.token)
      expect(status).toMatchObject({ _tag: "held", hold: { bookingId: "b-1" } })
      expect(yield* holds.getMatchStatus(pending.token, guestDidOf(1))).toEqual(status)
      expect(calendars.holdsOf(host)).toHaveLength(1)
      expect(yield* Effect.flip(holds.getMatchStatus("x".repeat(64) + "." + "0".repeat(32), host))).toMatchObject({
        _tag: "MatchNotFound"
      })
    }).pipe(Effect.provide(TestServices)))

  it.effect("a calendar rate-limited while taking the hold: rolled back, then finished through the queue", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(host, { failPlace: "rate-limited", retryAfterMs: 2_000 })
      const pending = yield* holds.match(request(1))
      expect(pending).toBeInstanceOf(PendingMatch)
      expect(calendars.holdsOf(guestDidOf(1))).toEqual([]) // the guest's hold was released
      calendars.configure(host, {})
      const status = yield* holds.resumeMatch((pending as PendingMatch).token)
      expect(status).toMatchObject({ _tag: "held", hold: { bookingId: "b-1" } })
      expect(calendars.holdsOf(host)).toHaveLength(1)
      expect(calendars.holdsOf(guestDidOf(1))).toHaveLength(1)
    }).pipe(Effect.provide(TestServices)))

  it.live("a calendar slower than the budget turns the match into a token", () =>
    Effect.gen(function*() {
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(host, { busyLatencyMs: 300 })
      // A queued match counts notice from the clock of its run: a window after the real now.
      const day = mondayAfter(Date.now())
      const outcome = yield* holds.match(request(1, { budgetMs: 50, earliest: day, latest: day + DAY }))
      expect(outcome).toBeInstanceOf(PendingMatch)
      expect(calendars.holdsOf(host)).toEqual([])
      const status = yield* holds.resumeMatch((outcome as PendingMatch).token)
      expect(status).toMatchObject({ _tag: "held" })
    }).pipe(Effect.provide(TestServices)))

  it.effect("a hold expires after its TTL: D1 says expired and both calendars are released", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      const bookings = yield* BookingsRepo
      held(yield* holds.match(request(1, { holdTtlMs: 60_000 })))
      yield* TestClock.adjust("59 seconds")
      yield* holds.expire(host, "b-1")
      expect((yield* bookings.get("b-1")).status).toBe("held")
      yield* TestClock.adjust("1 second")
      yield* holds.expire(host, "b-1")
      expect((yield* bookings.get("b-1")).status).toBe("expired")
      expect(calendars.holdsOf(host)).toEqual([])
      expect(calendars.holdsOf(guestDidOf(1))).toEqual([])
      yield* holds.expire(host, "b-1") // again: harmless
      // The time is free for the next guest.
      expect(held(yield* holds.match(request(2))).start).toBe(monday + 8 * 60 * MIN)
    }).pipe(Effect.provide(TestServices)))

  it.effect("a release that fails on a calendar frees the time at once and is retried until it succeeds", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      held(yield* holds.match(request(1)))
      calendars.configure(host, { failReleases: 2 })
      yield* holds.release(host, "b-1")
      expect(calendars.holdsOf(host)).toHaveLength(1) // the provider failed
      expect(calendars.holdsOf(guestDidOf(1))).toEqual([])
      yield* TestClock.adjust("31 seconds") // first retry (30 s): fails again
      yield* holds.release(host, "b-unknown")
      expect(calendars.holdsOf(host)).toHaveLength(1)
      yield* TestClock.adjust("61 seconds") // second retry (1 min): succeeds
      yield* holds.release(host, "b-unknown")
      expect(calendars.holdsOf(host)).toEqual([])
      yield* holds.release(host, "b-1") // released twice: fine
    }).pipe(Effect.provide(TestServices)))

  it.effect("a confirmed booking is not expired: confirm stops the expiry, and a finalize that won in D1 wins", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      const bookings = yield* BookingsRepo
      held(yield* holds.match(request(1)))
      held(yield* holds.match(request(2)))
      // b-1: finalize through the hold store (the calendars turn confirmed).
      const b1 = yield* bookings.get("b-1")
      yield* bookings.transition("b-1", b1.version, { status: "confirmed", holdExpiresAt: null })
      yield* holds.confirm(host, "b-1")
      // b-2: D1 says confirmed, but the object has not heard yet when the hold's time is up.
      const b2 = yield* bookings.get("b-2")
      yield* bookings.transition("b-2", b2.version, { status: "confirmed", holdExpiresAt: null })
      yield* TestClock.adjust("16 minutes")
      yield* holds.expire(host, "b-1")
      yield* holds.expire(host, "b-2")
      expect((yield* bookings.get("b-1")).status).toBe("confirmed")
      expect((yield* bookings.get("b-2")).status).toBe("confirmed")
      expect(calendars.holdsOf(host).map((h) => h.status)).toEqual(["confirmed", "tentative"])
      // Both still block their time.
      const third = held(yield* holds.match(request(3)))
      expect(third.start).toBeGreaterThan(calendars.holdsOf(host)[1]!.request.end)
      expect(yield* Effect.flip(holds.confirm(host, "b-nope"))).toMatchObject({ _tag: "HoldNotFound" })
    }).pipe(Effect.provide(TestServices)))
})
