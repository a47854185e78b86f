import { env, runInDurableObject } from "cloudflare:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { clashingPairs, separationMs } from "../../src/domain/holds/overlap"
import { type ControllableHostMatchDO, d1GroupCommitStats } from "../support/appviewTestWorker"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { Held, HoldStore } from "../../src/services/HoldStore"
import { type MatchRequest } from "../../src/domain/holds/matchRequest"
import { hostMatchObject, storedHolds, d1Bookings } from "./hostMatchObjects"
import { DAY, guestDidOf, hostDidOf, matchRequest, mondayAfter } from "./fixtures"

// The object's D1 group commit (src/features/matching/engine/D1GroupCommit.ts) under real concurrency: HoldStore Live →
// HostMatchDO → the local calendar and the `bookings` mirror in D1. A D1 trigger stands in for a mirror
// write that fails. Isolated storage per test.
const runtime = ManagedRuntime.make(HoldStoreLive.pipe(Layer.provide(CloudflareEnv.layer(env))))
afterAll(() => runtime.dispose())
const matchEither = (request: MatchRequest) => runtime.runPromise(Effect.flatMap(HoldStore, (s) => Effect.either(s.match(request))))

const statsOf = (hostDid: string) => runInDurableObject(hostMatchObject(hostDid), (instance: ControllableHostMatchDO) => instance[d1GroupCommitStats]())
const holdEvents = async (dids: ReadonlyArray<string>) =>
  (await env.DB.prepare(`SELECT did, booking_id FROM local_calendar_events WHERE booking_id IS NOT NULL AND did IN (${dids.map(() => "?").join(", ")})`)
    .bind(...dids).all<{ did: string; booking_id: string }>()).results

const monday = mondayAfter(Date.now())
const GAP = separationMs({ bufferBeforeMin: 5, bufferAfterMin: 5 })
/** `n` guests wanting 30 minutes in the host's week (Mon–Fri 08–18 UTC, 5-min buffers: 13 holds a day fit). */
const requestsFor = (host: string, n: number, prefix: string, days = 5) =>
  Array.from({ length: n }, (_, i) =>
    matchRequest({ hostDid: host, guestDid: guestDidOf(i), bookingId: `${prefix}-${i}`, earliest: monday, latest: monday + days * DAY, budgetMs: 60_000 }))

describe("HostMatchDO: concurrent matches share D1 round trips", () => {
  it("their statements go to D1 in batches, and the holds still never overlap (object, D1, calendars)", async () => {
    const host = hostDidOf("batched")
    const results = await Promise.all(requestsFor(host, 60, "gc", 2).map(matchEither))
    const held = results.filter(Either.isRight).map((r) => r.right as Held)
    expect(held.every((h) => h instanceof Held)).toBe(true)
    expect(results.filter(Either.isLeft).map((r) => r.left._tag).every((tag) => tag === "NoSlotAvailable")).toBe(true)
    expect(held).toHaveLength(26)

    const stored = await storedHolds(host)
    expect(stored.every((h) => h.state === "held")).toBe(true)
    expect(clashingPairs(stored.map((h) => ({ start: h.start_at, end: h.end_at })), GAP)).toEqual([])
    const mirrored = await d1Bookings(host)
    expect(mirrored.map((b) => [b.id, b.start_at, b.end_at]).sort()).toEqual(stored.map((h) => [h.booking_id, h.start_at, h.end_at]).sort())
    expect((await holdEvents([host])).map((e) => e.booking_id).sort()).toEqual(stored.map((h) => h.booking_id).sort())

    // About nine statements a match (connector look-ups, free/busy, two events, the mirror): far fewer round trips.
    const stats = await statsOf(host)
    expect(stats.statements).toBeGreaterThanOrEqual(60 * 4)
    expect(stats.largestBatch).toBeGreaterThan(10)
    expect(stats.batches + stats.single).toBeLessThan(stats.statements / 4)
    expect(stats.fallbacks).toBe(0)
  }, 60_000)

  it("when the batched mirror write fails, every match in it rolls back: no hold, no event, no row; a retry then works", async () => {
    const host = hostDidOf("mirrordown")
    await env.DB.prepare(
      `CREATE TRIGGER mirror_down BEFORE INSERT ON bookings WHEN NEW.host_did = '${host}' BEGIN SELECT RAISE(ABORT, 'mirror unavailable'); END`
    ).run()
    const requests = requestsFor(host, 30, "md")
    const results = await Promise.all(requests.map(matchEither))
    expect(results.map((r) => Either.isLeft(r) ? r.left._tag : "held")).toEqual(requests.map(() => "HoldStoreError"))
    expect(await storedHolds(host)).toEqual([])
    expect(await d1Bookings(host)).toEqual([])
    expect(await holdEvents([host, ...requests.map((r) => r.guestDid)])).toEqual([])
    const stats = await statsOf(host)
    expect(stats.fallbacks).toBeGreaterThanOrEqual(1) // a batch carrying mirror writes failed and was re-run statement by statement

    // Nothing is left blocking: once the mirror works, the same bookings are held.
    await env.DB.prepare("DROP TRIGGER mirror_down").run()
    const again = await Promise.all(requests.map(matchEither))
    expect(again.filter((r) => Either.isRight(r) && r.right instanceof Held)).toHaveLength(30)
    expect(clashingPairs((await d1Bookings(host)).map((b) => ({ start: b.start_at, end: b.end_at })), GAP)).toEqual([])
  }, 60_000)

  it("a mirror write that fails on its own spoils only its own match, not its batch-mates", async () => {
    const host = hostDidOf("onebad")
    await env.DB.prepare(
      "CREATE TRIGGER one_bad BEFORE INSERT ON bookings WHEN NEW.id = 'ob-7' BEGIN SELECT RAISE(ABORT, 'bad row'); END"
    ).run()
    const requests = requestsFor(host, 30, "ob")
    const results = await Promise.all(requests.map(matchEither))
    const outcome = (i: number) => (Either.isLeft(results[i]!) ? results[i]!.left._tag : "held")
    expect(outcome(7)).toBe("HoldStoreError")
    expect(requests.map((_, i) => outcome(i)).filter((o) => o === "held")).toHaveLength(29)
    expect((await storedHolds(host)).map((h) => h.booking_id)).not.toContain("ob-7")
    expect((await holdEvents([host, guestDidOf(7)])).map((e) => e.booking_id)).not.toContain("ob-7")
    expect((await d1Bookings(host)).map((b) => b.id).sort()).toEqual(requests.map((r) => r.bookingId).filter((id) => id !== "ob-7").sort())
    expect((await statsOf(host)).fallbacks).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
