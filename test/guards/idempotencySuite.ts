import { expect, it } from "vitest"
import type { TestAccount } from "../api/xrpcTestKit"
import { type GuardsHarness, post, read } from "./guardsKit"

/** The Idempotency-Key contract, run against the in-memory ledger (Node) and D1 (workerd). */
export const idempotencySuite = (
  setup: () => { guards: GuardsHarness; alice: TestAccount; bob: TestAccount },
  /** Wraps each test's body: in workerd, `leavingNoAlarms`, so the limiter's cleanup alarms end with the test. */
  around: (body: () => Promise<void>) => () => Promise<void> = (body) => body
) => {
  let n = 0
  const freshKey = () => `key-${Date.now()}-${++n}-0000000000`
  const book = async (account: TestAccount, body: unknown, key: string | undefined, extra: Record<string, string> = {}) => {
    const { guards } = setup()
    const headers: Record<string, string> = { authorization: `Bearer ${await account.token("test.overlap.book")}`, ...extra }
    if (key !== undefined) headers["idempotency-key"] = key
    return read(await guards.handle(post("test.overlap.book", body, headers)))
  }

  it("requires the Idempotency-Key header and names it", around(async () => {
    const { guards, alice } = setup()
    const before = guards.runs()
    for (const key of [undefined, "short"]) {
      const answer = await book(alice, { slot: "s1" }, key)
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ error: "InvalidRequest", message: expect.stringMatching(/^Idempotency-Key: /) })
    }
    expect(guards.runs()).toBe(before)
  }))

  it("replays the stored status and body for the same key and body, without running the handler again", around(async () => {
    const { guards, alice } = setup()
    const key = freshKey()
    const first = await book(alice, { slot: "s2", outcome: "ok" }, key)
    expect(first.status).toBe(201)
    expect(first.headers["idempotent-replayed"]).toBeUndefined()
    const runs = guards.runs()
    // the same request spelled differently (key order, whitespace) is the same request
    const replay = await book(alice, `{ "outcome": "ok",   "slot": "s2" }`, `"${key}"`)
    expect(replay.status).toBe(201)
    expect(replay.body).toEqual(first.body)
    expect(replay.headers).toMatchObject({ "idempotent-replayed": "true", "content-type": "application/json" })
    expect(replay.headers["ratelimit-limit"]).toBeDefined()
    expect(guards.runs()).toBe(runs)
  }))

  it("refuses the same key with another body (422) and scopes keys per caller and method", around(async () => {
    const { guards, alice, bob } = setup()
    const key = freshKey()
    expect((await book(alice, { slot: "s3" }, key)).status).toBe(201)
    const reused = await book(alice, { slot: "s3-other" }, key)
    expect(reused.status).toBe(422)
    expect(reused.body.error).toBe("IdempotencyKeyReused")
    // bob's identical request under the same key is his own
    const runs = guards.runs()
    const bobs = await book(bob, { slot: "s3" }, key)
    expect(bobs.status).toBe(201)
    expect(bobs.headers["idempotent-replayed"]).toBeUndefined()
    expect(guards.runs()).toBe(runs + 1)
  }))

  it("answers 409 while the first request with the key is still running", around(async () => {
    const { guards, alice } = setup()
    const key = freshKey()
    const slow = book(alice, { slot: "s4", outcome: "slow" }, key)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const concurrent = await book(alice, { slot: "s4", outcome: "slow" }, key)
    expect(concurrent.status).toBe(409)
    expect(concurrent.body.error).toBe("RequestInProgress")
    guards.release()
    const first = await slow
    expect(first.status).toBe(201)
    const replay = await book(alice, { slot: "s4", outcome: "slow" }, key)
    expect(replay.body).toEqual(first.body)
    expect(replay.headers["idempotent-replayed"]).toBe("true")
  }))

  it("does not store requests refused before they executed: decode 400, auth 401, handler refusal, defect", around(async () => {
    const { guards, alice } = setup()
    const key = freshKey()
    // payload fails to decode: the handler never ran, the key is not taken
    expect((await book(alice, { slot: 42 }, key)).status).toBe(400)
    // bad token
    const unauthorized = await read(await guards.handle(post("test.overlap.book", { slot: "s5" }, { authorization: "Bearer x.y.z", "idempotency-key": key })))
    expect(unauthorized.status).toBe(401)
    // the handler refuses before doing anything: abandoned, so a retry runs again
    const refused = await book(alice, { slot: "s5", outcome: "invalid" }, key)
    expect(refused.status).toBe(400)
    expect(refused.body.error).toBe("InvalidSlot")
    const retried = await book(alice, { slot: "s5", outcome: "invalid" }, key)
    expect(retried.headers["idempotent-replayed"]).toBeUndefined()
    // a defect (500) is not stored either
    const key2 = freshKey()
    expect((await book(alice, { slot: "s5", outcome: "defect" }, key2)).status).toBe(500)
    const runs = guards.runs()
    expect((await book(alice, { slot: "s5", outcome: "defect" }, key2)).status).toBe(500)
    expect(guards.runs()).toBe(runs + 1)
    // and the key of all those refusals is still free for a request that succeeds
    const ok = await book(alice, { slot: "s5" }, key)
    expect(ok.status).toBe(201)
  }))

  it("stores a failure the handler declares executed, and replays it as it was sent", around(async () => {
    const { guards, alice } = setup()
    const key = freshKey()
    const taken = await book(alice, { slot: "s6", outcome: "taken" }, key)
    expect(taken.status).toBe(409)
    expect(taken.body).toEqual({ error: "SlotTaken", message: "slot s6 was taken" })
    const runs = guards.runs()
    const replay = await book(alice, { slot: "s6", outcome: "taken" }, key)
    expect(replay.status).toBe(409)
    expect(replay.body).toEqual(taken.body)
    expect(replay.headers["idempotent-replayed"]).toBe("true")
    expect(guards.runs()).toBe(runs)
  }))
}
