import { env, runInDurableObject } from "cloudflare:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { dayOf, shardName } from "../../src/domain/holds/shards"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { HoldStoreAdminLive, HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { Held, HoldStore, HoldStoreAdmin } from "../../src/services/HoldStore"
import { leavingNoAlarms } from "../support/alarms"
import { d1Bookings, hostMatchObject, storedHolds } from "./hostMatchObjects"
import { DAY, guestDidOf, hostDidOf, matchRequest, mondayAfter } from "./fixtures"

// The weekly cap across day shards through the real objects (HoldStore Live → the host's HostMatchDO → the day
// shards, each asking the host's object for a place in the week over RPC while the host's object waits for
// it). On the old code each shard counted only its own day and all fifteen racing matches held.
const runtime = ManagedRuntime.make(Layer.merge(HoldStoreLive, HoldStoreAdminLive).pipe(Layer.provide(CloudflareEnv.layer(env))))
afterAll(() => runtime.dispose())
const run = <A, E>(f: (s: HoldStore["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(HoldStore, (s) => Effect.either(f(s))))

describe("HostMatchDO day shards and the weekly cap", () => {
  it("fifteen racing matches on five days of one week hold exactly the cap (3); the host's object keeps their claims", leavingNoAlarms([env.HOST_MATCH], async () => {
    const host = hostDidOf("weekcapdo")
    const monday = mondayAfter(Date.now())
    await runtime.runPromise(Effect.flatMap(HoldStoreAdmin, (a) => a.setDayShards(host, true)))
    const request = (i: number) => {
      const day = i % 5
      const base = matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `wk-${i}`, earliest: monday + day * DAY, latest: monday + (day + 1) * DAY })
      return { ...base, host: { ...base.host, maxBookingsPerWeek: 3 } }
    }
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => run((s) => s.match(request(i)))))
    const held = results.filter(Either.isRight).map((r) => r.right as Held)
    expect(held).toHaveLength(3)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array(12).fill("NoSlotAvailable"))
    expect((await d1Bookings(host)).map((b) => b.id).sort()).toEqual(held.map((h) => h.bookingId).sort())
    for (const hold of held) {
      expect((await storedHolds(shardName(host, dayOf(hold.start)))).map((r) => r.booking_id)).toContain(hold.bookingId)
    }
    const claims = await runInDurableObject(hostMatchObject(host), (_, state) =>
      state.storage.sql.exec<{ booking_id: string }>("SELECT booking_id FROM week_claims ORDER BY booking_id").toArray().map((r) => r.booking_id))
    expect(claims).toEqual(held.map((h) => h.bookingId).sort())
    // getAvailability's view: the holds gathered from the shards, each once
    const seen = await run((s) => s.commitments(host, monday - DAY, monday + 8 * DAY))
    expect(Either.getOrThrow(seen).holds.map((h) => h.start).sort()).toEqual(held.map((h) => h.start).sort())

    // A release through the host's object gives the place back.
    expect(Either.isRight(await run((s) => s.release(host, held[0]!.bookingId)))).toBe(true)
    const again = await run((s) => s.match(request(20)))
    expect(Either.isRight(again), JSON.stringify(again)).toBe(true)
    // release what is left, so the host's objects are quiet when the test ends
    for (const id of [...held.slice(1).map((h) => h.bookingId), "wk-20"]) await run((s) => s.release(host, id))
  }))
})
