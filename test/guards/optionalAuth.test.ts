import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"
import { get, type GuardsHarness, makeGuards, read } from "./guardsKit"

// XrpcOptionalAuth: service-auth when an Authorization header is present, otherwise Turnstile (TurnstileTest).
let alice: TestAccount
let guards: GuardsHarness

beforeAll(async () => {
  alice = await makeAccount("oaalice")
  guards = await makeGuards({ accounts: [alice], repositories: RepositoriesTest, limits: { read: { capacity: 100, refillPerSecond: 10 } } })
})
afterAll(() => guards?.dispose())

const whoami = async (headers: Record<string, string>) => read(await guards.handle(get("test.overlap.whoami", headers)))

describe("XrpcOptionalAuth", () => {
  it("an Authorization header makes the caller their DID", async () => {
    const answer = await whoami({ authorization: `Bearer ${await alice.token("test.overlap.whoami")}`, "cf-connecting-ip": "203.0.113.1" })
    expect(answer).toMatchObject({ status: 200, body: { kind: "did", id: alice.did } })
  })

  it("a bad token is refused, never downgraded to anonymous (even with a Turnstile token)", async () => {
    const answer = await whoami({ authorization: "Bearer x.y.z", "cf-turnstile-response": "pass-oa0" })
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe("BadJwt")
  })

  it("without service-auth, a Turnstile token is required and checked once", async () => {
    const missing = await whoami({ "cf-connecting-ip": "203.0.113.1" })
    expect(missing).toMatchObject({ status: 401, body: { error: "TurnstileRequired", message: expect.stringMatching(/^cf-turnstile-response: /) } })
    const ok = await whoami({ "cf-connecting-ip": "203.0.113.1", "cf-turnstile-response": "pass-oa1" })
    expect(ok).toMatchObject({ status: 200, body: { kind: "anonymous", id: "203.0.113.0/24" } })
    const reused = await whoami({ "cf-connecting-ip": "203.0.113.1", "cf-turnstile-response": "pass-oa1" })
    expect(reused).toMatchObject({ status: 403, body: { error: "TurnstileRejected" } })
    const forged = await whoami({ "cf-turnstile-response": "forged" })
    expect(forged).toMatchObject({ status: 403, body: { error: "TurnstileRejected" } })
    const down = await whoami({ "cf-turnstile-response": "unavailable" })
    expect(down).toMatchObject({ status: 503, body: { error: "TurnstileUnavailable" } })
  })

  it("without CF-Connecting-IP (local dev) the anonymous caller is one shared `unknown` network", async () => {
    expect(await whoami({ "cf-turnstile-response": "pass-oa2" })).toMatchObject({ status: 200, body: { id: "unknown" } })
  })
})
