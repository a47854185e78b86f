import { env } from "cloudflare:test"
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"
import { leavingNoAlarms } from "../support/alarms"
import { get, type GuardsHarness, makeGuards, post, read } from "./guardsKit"
import { idempotencySuite } from "./idempotencySuite"

// The same guards inside workerd: the idempotency ledger in D1 (IdempotencyKeysRepoLive), the
// limiter in the RATE_LIMITER Durable Object (RateLimiterLive, limits from RATE_LIMITS).
//
// Every take arms the object's cleanup alarm, due when the bucket is full again. Alarms outlive the pool's
// isolated storage, so each test that takes deletes them before it ends (test/support/alarms.ts), and the
// limits refill slowly enough that none comes due while the file runs (a mutation bucket refilling 10 tokens
// a second had its alarm fire 100 ms after each test, often while the pool was popping the test's storage).
const limiterAlarms = [env.RATE_LIMITER]
let alice: TestAccount
let bob: TestAccount
let guards: GuardsHarness

beforeAll(async () => {
  alice = await makeAccount("wdidalice")
  bob = await makeAccount("wdidbob")
  const root = CloudflareEnv.layer({
    ...env,
    RATE_LIMITS: JSON.stringify({
      availability: { capacity: 2, refillPerSecond: 0.01 },
      mutation: { capacity: 100, refillPerSecond: 0.01 },
      authAttempts: { capacity: 10_000, refillPerSecond: 0.01 }
    })
  })
  guards = await makeGuards({
    accounts: [alice, bob],
    repositories: RepositoriesLive.pipe(Layer.provide(root)),
    rateLimiter: RateLimiterLive.pipe(Layer.provide(root))
  })
})
afterAll(() => guards?.dispose())

describe("guards in workerd over D1 and RateLimiterDO", () => {
  idempotencySuite(() => ({ guards, alice, bob }), (body) => leavingNoAlarms(limiterAlarms, body))

  it("keeps a completed response in D1 for 24 hours", leavingNoAlarms(limiterAlarms, async () => {
    const key = "ttl-key-0000000000000001"
    const answer = await read(
      await guards.handle(post("test.overlap.book", { slot: "ttl" }, { authorization: `Bearer ${await alice.token("test.overlap.book")}`, "idempotency-key": key }))
    )
    expect(answer.status).toBe(201)
    const row = await env.DB.prepare(
      "SELECT caller_did, method, state, response_status, response_body, expires_at - created_at AS ttl FROM idempotency_keys WHERE idem_key = ?"
    ).bind(key).first()
    expect(row).toEqual({
      caller_did: alice.did,
      method: "test.overlap.book",
      state: "completed",
      response_status: 201,
      response_body: JSON.stringify(answer.body),
      ttl: 86_400_000
    })
  }))

  it("rate-limits availability queries through the Durable Object", leavingNoAlarms(limiterAlarms, async () => {
    const ask = async () =>
      read(await guards.handle(get("app.overlap.getAvailability", { authorization: `Bearer ${await bob.token("app.overlap.getAvailability")}` })))
    const answers = [await ask(), await ask(), await ask()]
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429])
    expect(answers[2]!.headers).toMatchObject({ "ratelimit-limit": "2", "ratelimit-remaining": "0", "retry-after": "100" })
    expect(answers[2]!.body.error).toBe("RateLimited")
  }))
})

describe("the per-network service-auth gate over RateLimiterDO (issue 12 item 5)", () => {
  it("refuses a network's forged tokens with 429 after a few, and leaves other networks alone", leavingNoAlarms(limiterAlarms, async () => {
    const root = CloudflareEnv.layer({ ...env, RATE_LIMITS: JSON.stringify({ authAttempts: { capacity: 42, refillPerSecond: 0.01 } }) })
    const gated = await makeGuards({
      accounts: [alice],
      repositories: RepositoriesLive.pipe(Layer.provide(root)),
      rateLimiter: RateLimiterLive.pipe(Layer.provide(root))
    })
    try {
      const ask = async (ip: string, authorization: string) =>
        (await gated.handle(get("app.overlap.getAvailability", { "cf-connecting-ip": ip, authorization }))).status
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push(await ask("203.0.113.50", "Bearer not.a.jwt"))
      // 42 tokens, 1 + 20 per failure: two failures, then the network is refused before verification
      expect(statuses).toEqual([401, 401, 429, 429])
      expect(await ask("198.51.100.50", `Bearer ${await alice.token("app.overlap.getAvailability")}`)).toBe(200)
    } finally {
      await gated.dispose()
    }
  }))
})

describe("the AppView worker", () => {
  it("builds its graph with the limiter, graph, Turnstile and analytics layers (auth still runs first)", async () => {
    const { SELF } = await import("cloudflare:test")
    const response = await SELF.fetch("http://localhost/xrpc/app.overlap.listBookings")
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: string }).error).toBe("AuthMissing")
  })
})
