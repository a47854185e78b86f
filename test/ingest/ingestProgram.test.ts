import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { zeroCounters } from "../../src/domain/ingest/ingestCounters"
import type { IndexTask } from "../../src/domain/ingest/events"
import { ingestFrame } from "../../src/features/ingest/frameIngest"
import { abandonBatch, flushBatch } from "../../src/features/ingest/ingestFlush"
import { initialState } from "../../src/features/ingest/ingestState"
import { AuditEventsRepoTest } from "../../src/adapters/memory/AuditEventsRepoTest"
import { FirehoseCursorsRepoTest } from "../../src/adapters/memory/FirehoseCursorsRepoTest"
import { IdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeIngestCursorStoreTest } from "../../src/adapters/memory/IngestCursorStoreTest"
import { IngestMetricsTest } from "../../src/adapters/memory/IngestMetricsTest"
import { IngestCursorStore } from "../../src/services/IngestCursorStore"
import { IndexQueueUnavailable, IndexTaskQueue } from "../../src/services/IndexTaskQueue"

// The ingest program behind FirehoseDO over in-memory services: frames of a Jetstream source are admitted into
// the batch, and the cursor and per-DID revs become durable only once the batch is on the queue.

const did = "did:plc:sessionuser0000000000000"
const source = { id: "jetstream-unit", kind: "jetstream" as const, url: "ws://jetstream.test/subscribe" }
const offer = (note: string) => ({
  $type: "app.overlap.slotOffer",
  start: "2031-01-06T09:00:00.000Z",
  end: "2031-01-06T12:00:00.000Z",
  policy: "anyone",
  tz: "UTC",
  note,
  createdAt: "2030-12-01T10:00:00.000Z"
})
const commit = (time_us: number, rkey: string, rev: string) =>
  JSON.stringify({
    did,
    time_us,
    kind: "commit",
    commit: { rev, operation: "create", collection: "app.overlap.slotOffer", rkey, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", record: offer(rkey) }
  })

const world = (queueUp: boolean) => {
  const store = makeIngestCursorStoreTest()
  const sent: Array<IndexTask> = []
  const queue = Layer.succeed(IndexTaskQueue, IndexTaskQueue.of({
    send: (tasks) => queueUp ? Effect.sync(() => void sent.push(...tasks)) : Effect.fail(new IndexQueueUnavailable({ cause: "queue down" }))
  }))
  const layer = Layer.mergeAll(
    Layer.succeed(IngestCursorStore, store.service),
    queue,
    AuditEventsRepoTest,
    FirehoseCursorsRepoTest,
    IdentityResolverTest,
    IngestMetricsTest
  )
  const state = initialState({ source, running: true, cursor: null, counters: zeroCounters() })
  return { store, sent, layer, state }
}

describe("firehose ingest program", () => {
  it.effect("admits newer revs only, and moves the stored cursor and revs once the batch is enqueued", () => {
    const { store, sent, layer, state } = world(true)
    return Effect.gen(function*() {
      yield* ingestFrame(state, commit(10, "o1", "3l0000000000b"))
      yield* ingestFrame(state, commit(11, "o2", "3l0000000000a")) // older than the batch's rev for the DID
      expect(state.counters.staleEvents).toBe(1)
      expect(state.batch.tasks.map((t) => t.event._tag)).toEqual(["create"])
      expect(state.cursor.processed).toBe(11)
      expect(store.stored().cursor).toBeNull()

      yield* flushBatch(state, false)
      expect(sent.map((t) => t.event.did)).toEqual([did])
      expect(store.stored()).toMatchObject({ cursor: 11, counters: { enqueued: 1, staleEvents: 1 } })
      expect(store.revs().get(did)).toBe("3l0000000000b")
      // a replay of the enqueued rev is stale against the stored rev
      yield* ingestFrame(state, commit(12, "o1", "3l0000000000b"))
      expect(state.counters.staleEvents).toBe(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("Jetstream: every operation of one commit goes on (they share the commit's rev); a replayed operation does not", () => {
    const { sent, layer, state } = world(true)
    return Effect.gen(function*() {
      // one commit, three app.overlap.* operations: Jetstream sends three messages with the same rev
      yield* ingestFrame(state, commit(30, "a", "3l0000000000d"))
      yield* ingestFrame(state, commit(31, "b", "3l0000000000d"))
      yield* ingestFrame(state, commit(32, "c", "3l0000000000d"))
      expect(state.batch.tasks.map((t) => t.event._tag === "create" && t.event.rkey)).toEqual(["a", "b", "c"])
      expect(state.counters.staleEvents).toBe(0)
      // the same operation again (a reconnect replaying from the cursor) is dropped
      yield* ingestFrame(state, commit(33, "b", "3l0000000000d"))
      expect(state.counters.staleEvents).toBe(1)
      yield* flushBatch(state, false)
      // after the flush the stored rev is the commit's: a further operation of it still goes on, a replay does not
      yield* ingestFrame(state, commit(34, "d", "3l0000000000d"))
      yield* ingestFrame(state, commit(35, "a", "3l0000000000d"))
      expect(state.counters.staleEvents).toBe(2)
      yield* flushBatch(state, false)
      expect(sent.map((t) => t.event._tag === "create" && t.event.rkey)).toEqual(["a", "b", "c", "d"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a queue that refuses leaves the stored cursor where it was; what was only in memory is dropped", () => {
    const { store, layer, state } = world(false)
    return Effect.gen(function*() {
      yield* ingestFrame(state, commit(20, "o3", "3l0000000000c"))
      const failed = yield* Effect.either(flushBatch(state, true))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("IndexQueueUnavailable")
      expect(store.stored().cursor).toBeNull()
      expect(store.revs().size).toBe(0)
      abandonBatch(state)
      expect(state.batch.tasks).toEqual([])
      expect(state.cursor.processed).toBeNull()
    }).pipe(Effect.provide(layer))
  })
})
