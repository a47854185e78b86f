import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"
import { get, type GuardsHarness, makeGuards, post, read } from "./guardsKit"

// The RateLimit middleware end to end: real HttpApi, real service-auth verification, the
// in-memory RateLimiter (same arithmetic as RateLimiterDO), the XRPC wire format.
let alice: TestAccount
let bob: TestAccount
let guards: GuardsHarness

beforeAll(async () => {
  alice = await makeAccount("rlalice")
  bob = await makeAccount("rlbob")
  guards = await makeGuards({
    accounts: [alice, bob],
    repositories: RepositoriesTest,
    limits: {
      availability: { capacity: 3, refillPerSecond: 0.5 },
      // one token a second: the tests that spend a bucket have a whole second, not 50 ms, before it refills
      read: { capacity: 2, refillPerSecond: 1 }
    }
  })
})
afterAll(() => guards?.dispose())

const availability = async (account: TestAccount) =>
  read(await guards.handle(get("app.overlap.getAvailability", { authorization: `Bearer ${await account.token("app.overlap.getAvailability")}` })))

describe("RateLimit middleware", () => {
  it("counts a DID's availability queries down in the RateLimit-* headers, then answers 429 with Retry-After", async () => {
    const answers = [await availability(alice), await availability(alice), await availability(alice)]
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    expect(answers.map((a) => a.headers["ratelimit-remaining"])).toEqual(["2", "1", "0"])
    expect(answers[0]!.headers["ratelimit-limit"]).toBe("3")
    expect(answers[2]!.headers["ratelimit-reset"]).toBe("6") // 3 tokens at 0.5/s
    expect(answers[0]!.headers["retry-after"]).toBeUndefined()

    const refused = await availability(alice)
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({ error: "RateLimited", message: expect.stringMatching(/availability/) })
    expect(refused.headers).toMatchObject({ "retry-after": "2", "ratelimit-limit": "3", "ratelimit-remaining": "0" })
  })

  it("keeps one bucket per DID and per method class", async () => {
    expect((await availability(bob)).status).toBe(200)
    // alice's availability bucket is empty, but her mutation bucket is not
    const booked = await guards.handle(
      post("test.overlap.book", { slot: "s-rl" }, {
        authorization: `Bearer ${await alice.token("test.overlap.book")}`,
        "idempotency-key": "rl-key-0000000000001"
      })
    )
    expect(booked.status).toBe(201)
    expect(booked.headers.get("ratelimit-limit")).toBe("30")
  })

  it("a refused token is answered before the limiter: 401, no headers, nothing spent", async () => {
    const forged = await read(await guards.handle(get("app.overlap.getAvailability", { authorization: "Bearer not.a.jwt" })))
    expect(forged.status).toBe(401)
    expect(forged.headers["ratelimit-limit"]).toBeUndefined()
    // a token naming bob but signed by alice must not drain bob's bucket either
    const stolen = await alice.token("app.overlap.getAvailability", { iss: bob.did })
    for (let i = 0; i < 5; i++) {
      expect((await guards.handle(get("app.overlap.getAvailability", { authorization: `Bearer ${stolen}` }))).status).toBe(401)
    }
    expect((await availability(bob)).headers["ratelimit-remaining"]).toBe("1")
  })

  it("refills fractionally over real time", async () => {
    const whoami = (ip: string, token: string) =>
      guards.handle(get("test.overlap.whoami", { "cf-connecting-ip": ip, "cf-turnstile-response": token }))
    // read: 2 tokens, 1 per second
    expect((await whoami("198.51.100.1", "pass-r1")).status).toBe(200)
    expect((await whoami("198.51.100.2", "pass-r2")).status).toBe(200)
    const refused = await whoami("198.51.100.3", "pass-r3")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("retry-after")).toBe("1")
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    expect((await whoami("198.51.100.4", "pass-r4")).status).toBe(200)
  })

  it("limits anonymous callers per /24 (IPv4) and /56 (IPv6)", async () => {
    const whoami = async (ip: string, token: string) =>
      read(await guards.handle(get("test.overlap.whoami", { "cf-connecting-ip": ip, "cf-turnstile-response": token })))
    const a = await whoami("203.0.113.10", "pass-a1")
    expect(a.body).toEqual({ kind: "anonymous", id: "203.0.113.0/24" })
    expect(a.headers["ratelimit-remaining"]).toBe("1")
    // another address in the same /24 shares the bucket; the next /24 does not
    expect((await whoami("203.0.113.200", "pass-a2")).headers["ratelimit-remaining"]).toBe("0")
    expect((await whoami("203.0.114.10", "pass-a3")).headers["ratelimit-remaining"]).toBe("1")
    // IPv4-mapped IPv6 is the same /24
    expect((await whoami("::ffff:203.0.113.7", "pass-a4")).status).toBe(429)
    const v6 = await whoami("2001:db8:aa:bb01::1", "pass-a5")
    expect(v6.body.id).toBe("2001:db8:aa:bb00::/56")
    expect((await whoami("2001:db8:aa:bbff:1:2:3:4", "pass-a6")).headers["ratelimit-remaining"]).toBe("0")
  })
})

describe("the AppView's own API", () => {
  it("limits the bookings inbox as a read", async () => {
    const { Layer } = await import("effect")
    const { makeXrpcHandler } = await import("../../src/features/xrpcHandler")
    const { makeRateLimiterTest } = await import("../../src/adapters/memory/RateLimiterTest")
    const { TurnstileTest } = await import("../../src/adapters/memory/TurnstileTest")
    const { serviceAuthFor, withXrpcTestServices } = await import("../api/xrpcTestKit")
    const xrpc = makeXrpcHandler(withXrpcTestServices(
      Layer.mergeAll(RepositoriesTest, serviceAuthFor([alice])(RepositoriesTest), makeRateLimiterTest({ read: { capacity: 1, refillPerSecond: 0.1 } }), TurnstileTest)
    ))
    const list = async () => xrpc.handle(get("app.overlap.listBookings", { authorization: `Bearer ${await alice.token("app.overlap.listBookings")}` }))
    const first = await list()
    expect(first.status).toBe(200)
    expect(first.headers.get("ratelimit-remaining")).toBe("0")
    const second = await read(await list())
    expect(second).toMatchObject({ status: 429, body: { error: "RateLimited" }, headers: { "retry-after": "10" } })
    await xrpc.dispose()
  })
})
