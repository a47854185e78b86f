import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { CalendarProviderTest, CalendarTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { Held, HoldStore, type MatchOutcome, PendingMatch } from "../../src/services/HoldStore"
import type { MatchRequest } from "../../src/domain/holds/matchRequest"
import { DAY, guestDidOf, hostDidOf, matchRequest, mondayAfter } from "./fixtures"

// Issue 12, item 1: one guest has at most `liveHoldsPerGuest` (default 1) live holds on one host's time,
// checked by the host's object (the engine HostMatchDO runs; here in memory) for every way a match comes in.
const TestServices = HoldStoreInProcess.pipe(Layer.provideMerge(Layer.merge(CalendarProviderTest, BookingsRepoTest)))

const T0 = Date.UTC(2026, 0, 5, 7)
const monday = mondayAfter(T0)
const host = hostDidOf("A")
const guest = guestDidOf(1)
const ask = (bookingId: string, extra: Partial<MatchRequest> = {}): MatchRequest => ({
  ...matchRequest({ hostDid: host, guestDid: guest, bookingId, earliest: monday, latest: monday + 5 * DAY, now: T0 }),
  ...extra
})

const held = (outcome: MatchOutcome): Held => {
  if (!(outcome instanceof Held)) throw new Error(`expected a hold, got ${outcome._tag}`)
  return outcome
}

describe("one guest, a few live holds per host (in memory, the HostMatchDO engine)", () => {
  it.effect("a guest with a live hold asking for another booking is refused (TooManyHolds, no calendar asked); the same booking again is its hold", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      const first = held(yield* holds.match(ask("g-1")))
      const callsBefore = calendars.calls.length
      const refused = yield* Effect.flip(holds.match(ask("g-2")))
      expect(refused._tag).toBe("TooManyHolds")
      expect(refused.message).toContain("already hold")
      expect(calendars.calls.length).toBe(callsBefore) // refused before any free/busy or placement
      expect(calendars.holdsOf(host)).toHaveLength(1)
      // A retry of the held booking stays idempotent.
      expect(yield* holds.match(ask("g-1"))).toEqual(first)
      // Another guest is not affected.
      held(yield* holds.match(ask("other-1", { guestDid: guestDidOf(2) })))
      // Another host is not affected either (the limit is per host).
      held(yield* holds.match(ask("g-3", { hostDid: hostDidOf("B") })))
    }).pipe(Effect.provide(TestServices)))

  it.effect("after the hold is released, or expires, the guest may ask again", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      held(yield* holds.match(ask("g-1", { holdTtlMs: 60_000 })))
      expect((yield* Effect.flip(holds.match(ask("g-2"))))._tag).toBe("TooManyHolds")
      yield* holds.release(host, "g-1")
      const second = held(yield* holds.match(ask("g-2", { holdTtlMs: 60_000 })))
      expect((yield* Effect.flip(holds.match(ask("g-3"))))._tag).toBe("TooManyHolds")
      // past its expiry the hold no longer counts, even before the alarm has cleaned it up
      yield* TestClock.adjust("61 seconds")
      held(yield* holds.match(ask("g-3")))
      expect(second.bookingId).toBe("g-2")
    }).pipe(Effect.provide(TestServices)))

  it.effect("the host's setting allows more: liveHoldsPerGuest = 2 holds two, refuses the third", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      held(yield* holds.match(ask("g-1", { liveHoldsPerGuest: 2 })))
      held(yield* holds.match(ask("g-2", { liveHoldsPerGuest: 2 })))
      const third = yield* Effect.flip(holds.match(ask("g-3", { liveHoldsPerGuest: 2 })))
      expect(third._tag).toBe("TooManyHolds")
      expect(third.message).toContain("2 times")
    }).pipe(Effect.provide(TestServices)))

  it.effect("N concurrent matches of one guest with different booking ids: exactly one hold", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => `g-${i}`),
        (id) => Effect.either(holds.match(ask(id))),
        { concurrency: "unbounded" }
      )
      const won = outcomes.filter((o) => o._tag === "Right")
      expect(won).toHaveLength(1)
      expect(outcomes.filter((o) => o._tag === "Left").every((o) => o._tag === "Left" && o.left._tag === "TooManyHolds")).toBe(true)
      expect(calendars.holdsOf(host)).toHaveLength(1)
    }).pipe(Effect.provide(TestServices)))

  it.effect("a pending match resumed from its token is held to the limit too", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      calendars.configure(guest, { failBusy: "rate-limited", retryAfterMs: 30_000 })
      const pending = yield* holds.match(ask("g-1"))
      if (!(pending instanceof PendingMatch)) throw new Error("expected a pending match")
      calendars.configure(guest, {})
      held(yield* holds.match(ask("g-2"))) // meanwhile the same guest got a hold another way
      const status = yield* holds.resumeMatch(pending.token)
      expect(status).toMatchObject({ _tag: "failed", failure: "TooManyHolds" })
      expect(calendars.holdsOf(host)).toHaveLength(1)
    }).pipe(Effect.provide(TestServices)))
})
