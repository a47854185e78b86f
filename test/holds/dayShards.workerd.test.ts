import { env } from "cloudflare:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { clashingPairs } from "../../src/domain/holds/overlap"
import { dayOf, markerKey, shardDaysOf, shardName } from "../../src/domain/holds/shards"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { HoldStoreAdminLive, HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { Held, HoldStore, HoldStoreAdmin } from "../../src/services/HoldStore"
import { type MatchRequest } from "../../src/domain/holds/matchRequest"
import { hostMatchObject, storedHolds, d1Bookings } from "./hostMatchObjects"
import { DAY, guestDidOf, hostDidOf, MIN, mondayAfter } from "./fixtures"

// The per-host `dayShards` switch through the real objects: HoldStore Live → the host's HostMatchDO → the day
// shards (HostMatchDO objects named `<host>#<UTC day>`) → the local calendar and the mirror in D1.
const runtime = ManagedRuntime.make(Layer.merge(HoldStoreLive, HoldStoreAdminLive).pipe(Layer.provide(CloudflareEnv.layer(env))))
afterAll(() => runtime.dispose())
const matchEither = (request: MatchRequest) => runtime.runPromise(Effect.flatMap(HoldStore, (s) => Effect.either(s.match(request))))
const admin = <A, E>(f: (a: HoldStoreAdmin["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(HoldStoreAdmin, f))


const night = mondayAfter(Date.now()) + DAY // a Tuesday 00:00 UTC in the future
const GAP = 15 * MIN
/** Monday 22:00 – Tuesday 02:00 UTC, 15-minute grid and buffers, 30-minute meetings. */
const nightRequest = (host: string, i: number, earliest: number, latest: number): MatchRequest => ({
  hostDid: host,
  guestDid: guestDidOf(i),
  bookingId: `n-${i}`,
  offers: [{ _tag: "window", start: night - 2 * 60 * MIN, end: night + 2 * 60 * MIN, timeZone: "UTC" }],
  guest: { timeZone: "UTC", durationMin: 30, durationMax: 30, earliest, latest },
  host: { timeZone: "UTC", bufferBeforeMin: 15, bufferAfterMin: 15, minimumNoticeMin: 0, slotStepMin: 15 },
  budgetMs: 60_000
})

describe("HostMatchDO with the dayShards switch", () => {
  it("off (the default): holds stay in the host's object and no day shard holds anything", async () => {
    const host = hostDidOf("shardsoff")
    expect(await admin((a) => a.dayShards(host))).toBe(false)
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => matchEither(nightRequest(host, i, night - 2 * 60 * MIN, night + 2 * 60 * MIN))))
    const held = results.filter(Either.isRight).map((r) => r.right as Held)
    expect(held).toHaveLength(5) // 22:00, 22:45, 23:30, 00:15, 01:00
    expect((await storedHolds(host)).map((r) => r.booking_id).sort()).toEqual(held.map((h) => h.bookingId).sort())
    expect(await storedHolds(shardName(host, dayOf(night) - 1))).toEqual([])
    expect(await storedHolds(shardName(host, dayOf(night)))).toEqual([])
  })

  it("on: concurrent matches around midnight land in the shards of their start days, registered across the boundary, never overlapping", async () => {
    const host = hostDidOf("shardson")
    await admin((a) => a.setDayShards(host, true))
    expect(await admin((a) => a.dayShards(host))).toBe(true)
    // 30 guests with windows straddling midnight in different ways.
    const requests = Array.from({ length: 30 }, (_, i) => {
      const from = night + ((i * 37) % 200 - 120) * MIN
      return nightRequest(host, i, from, from + (45 + ((i * 53) % 150)) * MIN)
    })
    const results = await Promise.all(requests.map(matchEither))
    const held = results.filter(Either.isRight).map((r) => r.right as Held)
    expect(held.every((h) => h instanceof Held)).toBe(true)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag).every((t) => t === "NoSlotAvailable")).toBe(true)
    expect(held.length).toBeGreaterThan(4)

    // D1 (the mirror) has exactly the holds, and no two within the buffer.
    const mirrored = await d1Bookings(host)
    expect(mirrored.map((b) => b.id).sort()).toEqual(held.map((h) => h.bookingId).sort())
    expect(clashingPairs(mirrored.map((b) => ({ start: b.start_at, end: b.end_at })), GAP)).toEqual([])

    // The host's object holds nothing; each hold is in its start day's shard and marked in every other day its
    // buffered footprint reaches.
    expect(await storedHolds(host)).toEqual([])
    const byShard = new Map<number, Awaited<ReturnType<typeof storedHolds>>>()
    for (const day of [dayOf(night) - 1, dayOf(night)]) byShard.set(day, await storedHolds(shardName(host, day)))
    for (const hold of held) {
      const home = dayOf(hold.start)
      for (const day of shardDaysOf(hold, GAP)) {
        const key = day === home ? hold.bookingId : markerKey(hold.bookingId, home)
        expect(byShard.get(day)?.find((r) => r.booking_id === key)).toMatchObject({ start_at: hold.start, end_at: hold.end })
      }
    }
    expect(held.some((h) => shardDaysOf(h, GAP).length > 1)).toBe(true)

    // Turning the switch off now is refused: a match went to a shard moments ago and the shards have live holds.
    const off = await runtime.runPromise(Effect.flatMap(HoldStoreAdmin, (a) => Effect.flip(a.setDayShards(host, false))))
    expect(off).toMatchObject({ _tag: "DayShardsSwitchRefused" })
  }, 60_000)

  it("on is refused while the host's object has a live hold", async () => {
    const host = hostDidOf("shardsbusy")
    expect(Either.isRight(await matchEither(nightRequest(host, 1, night - 2 * 60 * MIN, night)))).toBe(true)
    const refused = await runtime.runPromise(Effect.flatMap(HoldStoreAdmin, (a) => Effect.flip(a.setDayShards(host, true))))
    expect(refused).toMatchObject({ _tag: "DayShardsSwitchRefused" })
    expect(await admin((a) => a.dayShards(host))).toBe(false)
  })
})
