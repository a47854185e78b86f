import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { AUTH_FAILURE_COST } from "../../src/domain/rateLimits"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"
import { get, type GuardsHarness, makeGuards, read } from "./guardsKit"

// Issue 12 item 5: authentication's own costs (resolving the issuer's DID — a did:web fetch —, the signature
// check, the jti insert) come after a cheap per-network gate. Real HttpApi, real service-auth verification
// (counted), the in-memory limiter with the Durable Object's arithmetic, the XRPC wire format. Before the gate,
// every forged token below was verified (the count grew with every request) and answered 401 forever.
const CAPACITY = 100
let alice: TestAccount
let mallory: TestAccount
let verified = 0
let guards: GuardsHarness

beforeAll(async () => {
  alice = await makeAccount("gatealice")
  mallory = await makeAccount("gatemallory") // known keys, but the tokens below are signed by someone else
  guards = await makeGuards({
    accounts: [alice],
    repositories: RepositoriesTest,
    limits: {
      authAttempts: { capacity: CAPACITY, refillPerSecond: 0.001 },
      availability: { capacity: 1000, refillPerSecond: 0.001 },
      read: { capacity: 1000, refillPerSecond: 0.001 }
    },
    wrapAuth: (auth) => ({ verify: (authorization, lxm) => ((verified += 1), auth.verify(authorization, lxm)) })
  })
})
afterAll(() => guards?.dispose())

const call = async (ip: string, authorization?: string, nsid = "app.overlap.getAvailability") =>
  read(await guards.handle(get(nsid, { "cf-connecting-ip": ip, ...(authorization ? { authorization } : {}) })))

const forged = async () => `Bearer ${await mallory.token("app.overlap.getAvailability")}`

describe("the per-network gate before service-auth", () => {
  it("stops a network sending bad tokens after a few, before any of its tokens is verified again", async () => {
    const attacker = "203.0.113.7"
    const failuresAllowed = Math.ceil(CAPACITY / (1 + AUTH_FAILURE_COST)) // 5 with these limits
    const before = verified
    const answers = []
    for (let i = 0; i < failuresAllowed + 10; i++) answers.push(await call(attacker, i % 2 === 0 ? await forged() : "Bearer not.a.jwt"))
    expect(answers.slice(0, failuresAllowed).map((a) => a.status)).toEqual(Array(failuresAllowed).fill(401))
    expect(answers.slice(failuresAllowed).map((a) => a.status)).toEqual(Array(10).fill(429))
    expect(answers[failuresAllowed]!.body).toEqual({ error: "RateLimited", message: expect.stringMatching(/authentication attempts from this network; retry in \d+ s/) })
    // only the first few were looked at: the ten refused ones cost no resolution, signature check or jti insert
    expect(verified - before).toBe(failuresAllowed)

    // the same network's valid token is refused too until the bucket refills: the gate cannot know it is valid
    expect((await call("203.0.113.99", `Bearer ${await alice.token("app.overlap.getAvailability")}`)).status).toBe(429)
    // another network is untouched
    expect((await call("198.51.100.9", await forged())).status).toBe(401)
    expect((await call("198.51.100.9", `Bearer ${await alice.token("app.overlap.getAvailability")}`)).status).toBe(200)
  })

  it("lets a network of well-behaved clients use nearly the whole bucket: a success costs one token", async () => {
    const office = "192.0.2.10"
    const statuses = []
    for (let i = 0; i < CAPACITY - 1; i++) statuses.push((await call(office, `Bearer ${await alice.token("app.overlap.getAvailability")}`)).status)
    expect(statuses).toEqual(Array(CAPACITY - 1).fill(200))
  })

  it("spends nothing on a request without a token (it is refused at once)", async () => {
    const network = "2001:db8:77::1"
    for (let i = 0; i < CAPACITY * 2; i++) expect((await call(network)).body.error).toBe("AuthMissing")
    expect((await call(network, `Bearer ${await alice.token("app.overlap.getAvailability")}`)).status).toBe(200)
  })

  it("gates the anonymous-capable methods' token path the same way", async () => {
    const attacker = "203.0.114.7"
    const statuses = []
    for (let i = 0; i < 12; i++) statuses.push((await call(attacker, "Bearer not.a.jwt", "test.overlap.whoami")).status)
    expect(statuses.filter((s) => s === 401).length).toBe(Math.ceil(CAPACITY / (1 + AUTH_FAILURE_COST)))
    expect(statuses.slice(-1)).toEqual([429])
  })
})
