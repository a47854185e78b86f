import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeAccount, type TestAccount } from "../api/xrpcTestKit"
import { type GuardsHarness, makeGuards, post, read } from "./guardsKit"
import { idempotencySuite } from "./idempotencySuite"

let alice: TestAccount
let bob: TestAccount
let guards: GuardsHarness

beforeAll(async () => {
  alice = await makeAccount("idalice")
  bob = await makeAccount("idbob")
  guards = await makeGuards({ accounts: [alice, bob], repositories: RepositoriesTest, limits: { mutation: { capacity: 100, refillPerSecond: 10 } } })
})
afterAll(() => guards?.dispose())

describe("idempotent procedures over the in-memory ledger", () => {
  idempotencySuite(() => ({ guards, alice, bob }))

  it("an anonymous caller's keys are scoped to their network", async () => {
    const anon = (ip: string, token: string, key: string) =>
      guards.handle(post("test.overlap.anonBook", { slot: "s-anon" }, { "cf-connecting-ip": ip, "cf-turnstile-response": token, "idempotency-key": key }))
    const first = await read(await anon("192.0.2.1", "pass-i1", "anon-key-000000000001"))
    expect(first.status).toBe(200)
    // same network, same key, same body: the stored answer (a new Turnstile token is still needed)
    const again = await read(await anon("192.0.2.99", "pass-i2", "anon-key-000000000001"))
    expect(again.headers["idempotent-replayed"]).toBe("true")
    expect(again.body).toEqual(first.body)
    // another network with the same key is another request
    const other = await read(await anon("192.0.3.1", "pass-i3", "anon-key-000000000001"))
    expect(other.headers["idempotent-replayed"]).toBeUndefined()
    expect(other.body.run).not.toBe(first.body.run)
  })
})
