import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { BookingsRepoTest } from "../../src/adapters/memory/BookingsRepoTest"
import { CalendarProviderTest, CalendarTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { dayOf, shardName } from "../../src/domain/holds/shards"
import { hostWeekOf, hostWeekSpan } from "../../src/domain/holds/weekClaims"
import type { MatchRequest } from "../../src/domain/holds/matchRequest"
import { HoldStoreInProcess, HoldStoreInProcessObjects } from "../../src/features/matching/HoldStoreInProcess"
import { Held, HoldStore, HoldStoreAdmin } from "../../src/services/HoldStore"
import { DAY, guestDidOf, hostDidOf, matchRequest, MIN, mondayAfter } from "./fixtures"

// The weekly cap across a host's day shards (issue 15; src/features/matching/engine/WeekCaps.ts). With the
// host's day shards on, each UTC day's holds live in their own object, which sees only its day: on the old code
// every shard counted the weekly cap over its own day alone, so racing matches on different days of one week
// held up to a cap per day. Now every shard reservation asks the host's object for a place in the week first.

const TestServices = HoldStoreInProcess.pipe(Layer.provideMerge(Layer.merge(CalendarProviderTest, BookingsRepoTest)))

const weekly = (request: MatchRequest, max: number, timeZone = "UTC"): MatchRequest => ({
  ...request,
  host: { ...request.host, timeZone, maxBookingsPerWeek: max }
})

describe("the weekly cap across day shards", () => {
  it("week spans: a host-local ISO week, Monday to Monday, in the host's zone", () => {
    const monday = Date.UTC(2026, 2, 23) // Monday 23 March 2026; Berlin springs forward on Sunday 29 March
    expect(hostWeekSpan("UTC", monday + 3 * DAY)).toEqual({ start: monday, end: monday + 7 * DAY })
    expect(hostWeekSpan("Europe/Berlin", monday + 3 * DAY)).toEqual({ start: monday - 60 * MIN, end: monday + 7 * DAY - 120 * MIN })
    // Sunday 23:30 UTC is already Monday in Berlin: the next week there
    expect(hostWeekOf("Europe/Berlin", monday - 30 * MIN)).toBe(hostWeekOf("Europe/Berlin", monday))
    expect(hostWeekOf("UTC", monday - 30 * MIN)).toBe(hostWeekOf("UTC", monday) - 1)
  })

  it.live("racing matches on different days of one week never hold more than the cap; a release frees a place", () =>
    Effect.gen(function*() {
      const host = hostDidOf("weekcap")
      const monday = mondayAfter(Date.now())
      const holds = yield* HoldStore
      const calendars = yield* CalendarTestControl
      yield* (yield* HoldStoreAdmin).setDayShards(host, true)
      // every match is still placing its holds while the others reserve
      calendars.configure(host, { placeLatencyMs: 30 })
      const request = (i: number, day: number) =>
        weekly(matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `w-${i}`, earliest: monday + day * DAY, latest: monday + (day + 1) * DAY }), 3)
      // 15 guests, three on each weekday, all at once
      const results = yield* Effect.forEach(
        Array.from({ length: 15 }, (_, i) => i),
        (i) => Effect.either(holds.match(request(i, i % 5))),
        { concurrency: "unbounded" }
      )
      const got = results.filter(Either.isRight).map((r) => r.right as Held)
      expect(got).toHaveLength(3)
      expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array(12).fill("NoSlotAvailable"))
      // each in the shard of its day, the host's object keeping one claim per hold
      const objects = yield* HoldStoreInProcessObjects
      for (const hold of got) {
        expect(objects.ledgerOf(shardName(host, dayOf(hold.start)))?.get(hold.bookingId)?.state).toBe("held")
      }
      expect(objects.ledgerOf(host)!.weekClaims(hostWeekOf("UTC", monday)).map((c) => c.bookingId).sort()).toEqual(got.map((h) => h.bookingId).sort())
      // the commitments getAvailability reads are gathered from the shards, each hold once
      const seen = yield* holds.commitments(host, monday - DAY, monday + 8 * DAY)
      expect(seen.holds.map((s) => s.start).sort()).toEqual(got.map((h) => h.start).sort())

      // The next week is its own.
      const nextWeek = yield* holds.match(weekly(matchRequest({ hostDid: host, guestDid: guestDidOf(90), bookingId: "w-90", earliest: monday + 7 * DAY, latest: monday + 8 * DAY }), 3))
      expect(nextWeek._tag).toBe("Held")

      // A fourth in the week is refused, until one of the three is released.
      const late = (i: number) => holds.match(request(i, 4))
      expect(yield* Effect.flip(late(20))).toMatchObject({ _tag: "NoSlotAvailable" })
      yield* holds.release(host, got[0]!.bookingId)
      expect((yield* late(21))._tag).toBe("Held")
      expect(yield* Effect.flip(late(22))).toMatchObject({ _tag: "NoSlotAvailable" })
    }).pipe(Effect.provide(TestServices)))

  it.live("a claim whose hold lapsed in its shard is dropped when the week is counted again", () =>
    Effect.gen(function*() {
      const host = hostDidOf("weeklapse")
      const monday = mondayAfter(Date.now())
      const holds = yield* HoldStore
      yield* (yield* HoldStoreAdmin).setDayShards(host, true)
      const request = (i: number, day: number, holdTtlMs?: number) =>
        weekly(matchRequest({
          hostDid: host, guestDid: guestDidOf(i), bookingId: `l-${i}`, earliest: monday + day * DAY, latest: monday + (day + 1) * DAY,
          ...(holdTtlMs !== undefined ? { holdTtlMs } : {})
        }), 1)
      const first = yield* holds.match(request(1, 0, 60_000))
      expect(first._tag).toBe("Held")
      expect(yield* Effect.flip(holds.match(request(2, 2)))).toMatchObject({ _tag: "NoSlotAvailable" })
      // The hold lapses in Monday's shard (its due work runs when that shard is next called); the host's
      // object still has the claim, due, and asks Monday's shard before counting.
      const objects = yield* HoldStoreInProcessObjects
      const ledger = objects.ledgerOf(shardName(host, dayOf(monday)))!
      const record = ledger.get("l-1")!
      ledger.put({ ...record, state: "releasing", dueAt: Date.now() + 3_600_000 })
      const claims = objects.ledgerOf(host)!
      claims.putWeekClaim({ ...claims.weekClaimOf("l-1")!, dueAt: Date.now() - 1 })
      expect((yield* holds.match(request(3, 2)))._tag).toBe("Held")
      expect(claims.weekClaimOf("l-1")).toBeUndefined()
    }).pipe(Effect.provide(TestServices)))
})
