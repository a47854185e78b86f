import { env, runInDurableObject } from "cloudflare:test"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { makeIngestCursorStore } from "../../src/adapters/objects/IngestCursorStoreLive"
import type { FirehoseDO } from "../../src/entry/objects/FirehoseDO"

// The parked commits of a FirehoseDO live in its own SQLite (`parked_commits`): the Live store against workerd's
// storage. What parks and retries them is tested over the in-memory store in test/ingest/parkedCommits.test.ts.

const firehose = env.FIREHOSE as unknown as DurableObjectNamespace<FirehoseDO>

describe("parked commits in the object's storage", () => {
  it("keeps a commit's frame once per (did, rev), hands back the due ones, reschedules and forgets them", async () => {
    await runInDurableObject(firehose.get(firehose.idFromName("parked-store-test")), async (_object, state) => {
      const store = makeIngestCursorStore(state.storage)
      const frame = new Uint8Array(300).map((_, i) => i % 251)
      // a view into a larger buffer, as a decoded socket message may be
      const view = new Uint8Array([9, 9, ...frame, 9]).subarray(2, 302)
      const parked = { did: "did:plc:parked0000000000000000", rev: "3lparkedrev01", frame: view, attempts: 0, nextAt: 1_000, reason: "plc timed out" }
      await Effect.runPromise(store.park(parked))
      await Effect.runPromise(store.park({ ...parked, nextAt: 5 })) // the same commit again (a replay): kept once
      expect(await Effect.runPromise(store.parkedCount)).toBe(1)
      expect(await Effect.runPromise(store.dueParked(999, 10))).toEqual([])
      const [due] = await Effect.runPromise(store.dueParked(1_000, 10))
      expect(due).toMatchObject({ did: parked.did, rev: parked.rev, attempts: 0, nextAt: 1_000, reason: "plc timed out" })
      expect([...due!.frame]).toEqual([...frame])

      await Effect.runPromise(store.retryParkedLater(parked.did, parked.rev, 1, 61_000, "still down"))
      expect(await Effect.runPromise(store.dueParked(60_999, 10))).toEqual([])
      expect(await Effect.runPromise(store.dueParked(61_000, 10))).toMatchObject([{ attempts: 1, reason: "still down" }])

      // a restarted object (a new store over the same storage) still has it
      expect(await Effect.runPromise(makeIngestCursorStore(state.storage).parkedCount)).toBe(1)
      await Effect.runPromise(store.unpark(parked.did, parked.rev))
      expect(await Effect.runPromise(store.parkedCount)).toBe(0)
    })
  })
})
