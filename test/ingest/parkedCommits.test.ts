import { Secp256k1Keypair } from "@atproto/crypto"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, TestClock } from "effect"
import { beforeAll } from "vitest"
import { generateFrames, type GeneratedFrames } from "../../bench/firehoseFrames"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { AuditEventsRepoTest } from "../../src/adapters/memory/AuditEventsRepoTest"
import { FirehoseCursorsRepoTest } from "../../src/adapters/memory/FirehoseCursorsRepoTest"
import { makeIngestCursorStoreTest } from "../../src/adapters/memory/IngestCursorStoreTest"
import { IngestMetricsTest } from "../../src/adapters/memory/IngestMetricsTest"
import type { IndexTask } from "../../src/domain/ingest/events"
import { decodeFrame, overlapOps } from "../../src/domain/ingest/firehoseFrame"
import { zeroCounters } from "../../src/domain/ingest/ingestCounters"
import { ingestFrame } from "../../src/features/ingest/frameIngest"
import { flushBatch } from "../../src/features/ingest/ingestFlush"
import { initialState } from "../../src/features/ingest/ingestState"
import { retryParkedCommits } from "../../src/features/ingest/parkedCommits"
import { IdentityResolver, IdentityUnavailable } from "../../src/services/IdentityResolver"
import { IngestCursorStore } from "../../src/services/IngestCursorStore"
import { IndexTaskQueue } from "../../src/services/IndexTaskQueue"

// A firehose commit whose author's DID document cannot be fetched (PLC timeout) is not lost: the cursor moves on,
// but the commit is parked in the object's storage and verified again by the keep-alive alarm once PLC answers.

let generated: GeneratedFrames
beforeAll(async () => {
  generated = await generateFrames(30, 2, 10)
})

const source = { id: "relay-unit", kind: "firehose" as const, url: "wss://relay.test/xrpc/com.atproto.sync.subscribeRepos" }

const world = () => {
  const store = makeIngestCursorStoreTest()
  const sent: Array<IndexTask> = []
  const plc: { down: boolean; calls: number; rotatedTo: string | null } = { down: true, calls: 0, rotatedTo: null }
  const documents = [...generated.keys].map(([did, signingKey]) => makeDidDocument({ did, signingKey }))
  // PLC times out while `plc.down`: every key lookup fails with IdentityUnavailable, as the Live resolver's does
  const flakyResolver = Layer.effect(
    IdentityResolver,
    Effect.map(IdentityResolver, (inner) =>
      IdentityResolver.of({
        ...inner,
        getSigningKey: (did, options) => {
          plc.calls++
          if (plc.down) return Effect.fail(new IdentityUnavailable({ subject: did, message: "plc.directory timed out" }))
          return plc.rotatedTo !== null ? Effect.succeed(plc.rotatedTo) : inner.getSigningKey(did, options)
        }
      }))
  ).pipe(Layer.provide(makeIdentityResolverTest({ documents })))
  const layer = Layer.mergeAll(
    Layer.succeed(IngestCursorStore, store.service),
    Layer.succeed(IndexTaskQueue, IndexTaskQueue.of({ send: (tasks) => Effect.sync(() => void sent.push(...tasks)) })),
    AuditEventsRepoTest,
    FirehoseCursorsRepoTest,
    flakyResolver,
    IngestMetricsTest
  )
  const state = initialState({ source, running: true, cursor: null, counters: zeroCounters() })
  return { store, sent, plc, layer, state }
}

const overlapFrame = () => {
  const bytes = generated.frames.find((f) => {
    const d = decodeFrame(f)
    return Either.isRight(d) && d.right.kind === "commit" && overlapOps(d.right).length > 0
  })!
  const decoded = decodeFrame(bytes)
  if (Either.isLeft(decoded) || decoded.right.kind !== "commit") throw new Error("not a commit")
  // a fresh ArrayBuffer, as the socket hands it over
  return { data: bytes.slice().buffer, commit: decoded.right }
}

describe("parked firehose commits", () => {
  it.effect("a commit that cannot be verified because PLC timed out is parked, the cursor moves on, and it is enqueued once PLC answers", () => {
    const { store, sent, plc, layer, state } = world()
    const { data, commit } = overlapFrame()
    return Effect.gen(function*() {
      yield* ingestFrame(state, data)
      // not rejected, not in the batch: parked, durably, before the cursor moves past it
      expect(state.counters.rejectedCommits).toBe(0)
      expect(state.counters.parkedCommits).toBe(1)
      expect(state.batch.tasks).toEqual([])
      expect(store.parked().map((p) => [p.did, p.rev, p.attempts])).toEqual([[commit.repo, commit.rev, 0]])
      yield* flushBatch(state, true)
      expect(store.stored().cursor).toBe(commit.seq)

      // not due yet: nothing is tried
      expect(yield* retryParkedCommits(state)).toBe(0)
      // due, PLC still down: retried, kept, backing off
      yield* TestClock.adjust("31 seconds")
      const callsBefore = plc.calls
      expect(yield* retryParkedCommits(state)).toBe(1)
      expect(plc.calls).toBeGreaterThan(callsBefore)
      expect(store.parked().map((p) => p.attempts)).toEqual([1])
      expect(sent).toEqual([])
      yield* TestClock.adjust("31 seconds")
      expect(yield* retryParkedCommits(state)).toBe(0) // the second wait is 60 s

      // PLC answers again: the commit verifies (signature, MST proof) and its record goes to index-tasks
      plc.down = false
      yield* TestClock.adjust("30 seconds")
      expect(yield* retryParkedCommits(state)).toBe(1)
      expect(sent.map((t) => [t.event._tag, t.event.did, "rev" in t.event ? t.event.rev : null])).toEqual([["create", commit.repo, commit.rev]])
      expect(store.parked()).toEqual([])
      expect(state.counters.recoveredCommits).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a parked commit whose DID document then resolves with another key is rejected for good, not retried forever", () => {
    const { store, sent, plc, layer, state } = world()
    const { data } = overlapFrame()
    return Effect.gen(function*() {
      yield* ingestFrame(state, data)
      plc.down = false
      yield* TestClock.adjust("31 seconds")
      // PLC answers with a key that did not sign the commit: a verdict on the commit, not a passing outage
      plc.rotatedTo = (yield* Effect.promise(() => Secp256k1Keypair.create())).did()
      yield* retryParkedCommits(state)
      expect(store.parked()).toEqual([])
      expect(sent).toEqual([])
      expect(state.counters.recoveredCommits).toBe(0)
      expect(state.counters.rejectedCommits).toBe(1)
    }).pipe(Effect.provide(layer))
  })
})
