import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test"
import { Effect, Either, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { InspectableRateLimiterDO } from "../support/appviewTestWorker"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RateLimiter } from "../../src/services/RateLimiter"
import { leavingNoAlarms } from "../support/alarms"

// the test worker binds RATE_LIMITER to the inspectable subclass
const namespace = env.RATE_LIMITER as unknown as DurableObjectNamespace<InspectableRateLimiterDO>
const stubFor = (name: string) => namespace.get(namespace.idFromName(name))
const limit = { capacity: 3, refillPerSecond: 0.5 }
// A `take` arms the object's cleanup alarm (2 s later for `limit`); alarms outlive the pool's isolated
// storage, so the tests that take delete them before they end (test/support/alarms.ts).
const limiterAlarms = [env.RATE_LIMITER]

describe("RateLimiterDO", () => {
  it("spends a bucket down over RPC and refuses with retry-after; buckets and objects are independent", leavingNoAlarms(limiterAlarms, async () => {
    const alice = stubFor("did:plc:alice")
    const decisions = []
    const started = Date.now()
    for (let i = 0; i < 4; i++) decisions.push(await alice.take("availability", { ...limit, cost: 1 }))
    const elapsed = Date.now() - started
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]])
    // one token takes 2 s to refill, less what refilled while the four takes ran (not a fixed 100 ms: on a
    // loaded machine the four calls took 185 ms and the retry was 1815 ms)
    expect(decisions[3]!.retryAfterMs).toBeGreaterThanOrEqual(2_000 - elapsed)
    expect(decisions[3]!.retryAfterMs).toBeLessThanOrEqual(2_000)
    // another bucket of the same subject, and another subject, are untouched
    expect(await alice.take("read", { ...limit, cost: 1 })).toMatchObject({ allowed: true, remaining: 2 })
    expect(await stubFor("ip:203.0.113.0/24").take("availability", { ...limit, cost: 1 })).toMatchObject({ allowed: true, remaining: 2 })
    expect(await alice.health()).toEqual({ object: "RateLimiterDO", ok: true })
  }))

  it("keeps the token count as a float in SQLite and refills from the exact elapsed time", async () => {
    const stub = stubFor("did:plc:exact")
    await runInDurableObject(stub, (object, state) => {
      const t0 = 1_700_000_000_000
      for (let i = 0; i < 3; i++) expect(object.takeAt("match", { ...limit, cost: 1 }, t0).allowed).toBe(true)
      // 1.5 s later: 0.75 of a token, not enough; 0.5 s after that: exactly one
      expect(object.takeAt("match", { ...limit, cost: 1 }, t0 + 1_500)).toMatchObject({ allowed: false, retryAfterMs: 500 })
      expect(object.takeAt("match", { ...limit, cost: 1 }, t0 + 2_000)).toMatchObject({ allowed: true, remaining: 0 })
      const rows = state.storage.sql.exec<{ tokens: number; updated_ms: number }>("SELECT tokens, updated_ms FROM buckets").toArray()
      expect(rows).toEqual([{ tokens: 0, updated_ms: t0 + 2_000 }])
      expect(object.takeAt("match", { ...limit, cost: 1 }, t0 + 2_300)).toMatchObject({ allowed: false, retryAfterMs: 1_700 })
      const [row] = state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM buckets").toArray()
      expect(row!.tokens).toBeCloseTo(0.15, 12)
    })
  })

  it("serializes concurrent takes: 20 racing calls against 3 tokens allow exactly 3", leavingNoAlarms(limiterAlarms, async () => {
    const stub = stubFor("did:plc:racer")
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.take("match", { ...limit, cost: 1 })))
    expect(results.filter((r) => r.allowed)).toHaveLength(3)
  }))

  it("refuses a nonsensical limit instead of guessing", async () => {
    await runInDurableObject(stubFor("did:plc:bad"), (object) => {
      expect(() => object.takeAt("read", { capacity: 0, refillPerSecond: 1, cost: 1 }, Date.now())).toThrow(/invalid limit/)
      expect(() => object.takeAt("read", { capacity: 2, refillPerSecond: 1, cost: 3 }, Date.now())).toThrow(/invalid limit/)
      expect(() => object.takeAt("read", { capacity: 2, refillPerSecond: Number.NaN, cost: 1 }, Date.now())).toThrow(/invalid limit/)
    })
  })

  it("the cleanup alarm deletes refilled buckets, and the whole storage once all are full", leavingNoAlarms(limiterAlarms, async () => {
    const stub = stubFor("did:plc:cleanup")
    await runInDurableObject(stub, (object) => {
      object.takeAt("read", { capacity: 2, refillPerSecond: 1_000, cost: 1 }, Date.now() - 10_000) // refilled long ago
    })
    // empties a slow bucket: full again in ~2000 s, so that is when the alarm is set for
    await stub.take("match", { capacity: 2, refillPerSecond: 0.001, cost: 2 })
    await runInDurableObject(stub, async (object, state) => {
      expect(object.bucketCount()).toBe(2)
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + 1_900_000)
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    await runInDurableObject(stub, async (_object, state) => {
      expect(state.storage.sql.exec<{ bucket: string }>("SELECT bucket FROM buckets").toArray().map((r) => r.bucket)).toEqual(["match"])
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + 1_900_000)
      state.storage.sql.exec("UPDATE buckets SET tokens = capacity")
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    await runInDurableObject(stub, async (_object, state) => {
      expect(await state.storage.getAlarm()).toBeNull()
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'buckets'").toArray()).toEqual([])
    })
    // and the object still works afterwards
    expect(await stub.take("read", { ...limit, cost: 1 })).toMatchObject({ allowed: true, remaining: 2 })
  }))
})

describe("RateLimiterLive over the RATE_LIMITER binding", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, RateLimiter>, vars: Record<string, string> = {}) =>
    Effect.runPromise(Effect.either(effect.pipe(Effect.provide(RateLimiterLive.pipe(Layer.provide(CloudflareEnv.layer({ ...env, ...vars })))))))

  it("uses RATE_LIMITS over the defaults, one object per subject", leavingNoAlarms(limiterAlarms, async () => {
    const result = await run(
      Effect.gen(function* () {
        const limiter = yield* RateLimiter
        expect(limiter.limits.availability).toEqual({ capacity: 2, refillPerSecond: 0.01 })
        const a = [yield* limiter.take("did:plc:live", "availability"), yield* limiter.take("did:plc:live", "availability"), yield* limiter.take("did:plc:live", "availability")]
        const other = yield* limiter.take("did:plc:other", "availability")
        return { a, other }
      }),
      { RATE_LIMITS: `{"availability":{"capacity":2,"refillPerSecond":0.01}}` }
    )
    const { a, other } = Either.getOrThrow(result)
    expect(a.map((d) => d.allowed)).toEqual([true, true, false])
    expect(a[2]).toMatchObject({ methodClass: "availability", limit: { capacity: 2, refillPerSecond: 0.01 }, remaining: 0 })
    expect(a[2]!.retryAfterMs).toBeGreaterThan(99_000)
    expect(other.allowed).toBe(true)
  }))

  it("a RATE_LIMITS that does not parse stops the layer with a message naming it", async () => {
    await expect(run(Effect.flatMap(RateLimiter, (l) => l.take("did:plc:x", "read")), { RATE_LIMITS: `{"read":{"capacity":-1}}` })).rejects.toThrow(
      /RATE_LIMITS.read.capacity/
    )
  })
})
