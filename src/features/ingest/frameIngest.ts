import { Clock, Effect, Either, Option } from "effect"
import type { IngestEvent } from "../../domain/ingest/events"
import { isTransientRejection } from "../../domain/ingest/commitProof"
import { type CommitFrame, decodeFrame, type FirehoseFrame, overlapOps } from "../../domain/ingest/firehoseFrame"
import { decodeJetstreamMessage } from "../../domain/ingest/jetstream"
import type { AuditEventsRepo } from "../../services/AuditEventsRepo"
import { IdentityResolver } from "../../services/IdentityResolver"
import { IngestCursorStore } from "../../services/IngestCursorStore"
import type { IngestMetrics } from "../../services/IngestMetrics"
import { admitEvents } from "./admit"
import { parkCommit } from "./parkedCommits"
import { advance, bump, type Frame, type IngestState, resetCursor } from "./ingestState"
import { verifyCommit } from "./verifyCommit"

export type FrameServices = IdentityResolver | AuditEventsRepo | IngestMetrics | IngestCursorStore

const lastRev = (state: IngestState, did: string) =>
  Effect.suspend(() => {
    const pending = state.batch.revs.get(did)
    return pending !== undefined ? Effect.succeed(Option.some(pending)) : Effect.flatMap(IngestCursorStore, (store) => store.lastRev(did))
  })

/** Per DID: only an event with a newer rev than the last one seen (enqueued or in the batch) goes on. */
const isNewer = (state: IngestState, did: string, rev: string) =>
  Effect.map(lastRev(state, did), Option.match({ onNone: () => true, onSome: (last) => rev > last }))

/** Past this many DIDs the in-memory record of operations seen at the newest rev starts over (it only saves index work). */
const MAX_OPS_AT_REV = 10_000

/**
 * Jetstream's dedupe, per operation: one message per operation, every operation of a commit carrying the commit's
 * rev. An operation goes on when its rev is newer than the DID's last, or equal to it and this (collection, rkey)
 * was not admitted at that rev yet. After a restart the set is empty and an equal rev goes on again: the indexer's
 * per-record rev guard (`excluded.rev > rev`) then applies it at most once.
 */
const isNewOperation = (state: IngestState, event: { readonly did: string; readonly rev: string; readonly collection: string; readonly rkey: string }) =>
  Effect.map(lastRev(state, event.did), (last) => {
    const key = `${event.collection}/${event.rkey}`
    const seen = state.opsAtRev.get(event.did)
    if (Option.isSome(last) && event.rev < last.value) return false
    if (Option.isSome(last) && event.rev === last.value && seen?.rev === event.rev) {
      if (seen.ops.has(key)) return false
      seen.ops.add(key)
      return true
    }
    if (state.opsAtRev.size >= MAX_OPS_AT_REV) state.opsAtRev.clear()
    state.opsAtRev.set(event.did, { rev: event.rev, ops: new Set([key]) })
    return true
  })

/**
 * Identity and account events go on only for DIDs that have written app.overlap.* records (a relay carries
 * them for every account on the network; the index has nothing of the others).
 */
const isKnown = (state: IngestState, did: string) => Effect.map(lastRev(state, did), Option.isSome)

const invalidateIdentity = (did: string) => Effect.flatMap(IdentityResolver, (identity) => identity.invalidate(did))

/** Validates the events and adds what passes to the batch. */
const admit = (state: IngestState, events: ReadonlyArray<IngestEvent>) =>
  Effect.gen(function*() {
    const { tasks, rejected } = yield* admitEvents(state.source!.id, events)
    state.counters.invalidRecords += rejected.length
    if (tasks.length === 0) return
    if (state.batch.tasks.length === 0) state.batch.since = yield* Clock.currentTimeMillis
    state.batch.tasks.push(...tasks)
  })

/** Keeps the newest event time the source stamped (a missing or unparsable time is ignored): `ingest_lag` at flush. */
const noteEventTime = (state: IngestState, at: number) => {
  if (Number.isFinite(at) && at > 0 && (state.cursor.eventAt === null || at > state.cursor.eventAt)) state.cursor.eventAt = at
}

const ingestJetstream = (state: IngestState, data: Frame) =>
  Effect.gen(function*() {
    if (typeof data !== "string") return yield* bump(state, "undecodable")
    const decoded = decodeJetstreamMessage(data)
    if (Either.isLeft(decoded)) {
      yield* bump(state, "undecodable")
      return yield* Effect.logWarning("undecodable Jetstream message").pipe(Effect.annotateLogs({ error: decoded.left.message }))
    }
    const { cursor, event } = decoded.right
    // Jetstream's cursor is the event's time in microseconds
    noteEventTime(state, cursor / 1000)
    if (event !== null) {
      if ((event._tag === "identity" || event._tag === "account") && !(yield* isKnown(state, event.did))) return advance(state, cursor)
      if (event._tag === "identity") yield* invalidateIdentity(event.did)
      if (event._tag === "create" || event._tag === "update" || event._tag === "delete") {
        if (!(yield* isNewOperation(state, event))) {
          yield* bump(state, "staleEvents")
          return advance(state, cursor)
        }
        state.batch.revs.set(event.did, event.rev)
      }
      yield* admit(state, [event])
    }
    advance(state, cursor)
  })

const ingestCommit = (state: IngestState, frame: CommitFrame, bytes: Uint8Array) =>
  Effect.gen(function*() {
    state.counters.commits++
    noteEventTime(state, Date.parse(frame.time))
    const ops = overlapOps(frame)
    if (ops.length === 0) return advance(state, frame.seq)
    yield* bump(state, "overlapCommits")
    if (!(yield* isNewer(state, frame.repo, frame.rev))) {
      yield* bump(state, "staleEvents")
      return advance(state, frame.seq)
    }
    if (frame.tooBig) {
      // no blocks to verify: the hourly drift repair picks these records up from the PDS
      yield* bump(state, "tooBig")
      return advance(state, frame.seq)
    }
    const verified = yield* Effect.either(verifyCommit(frame, ops))
    if (Either.isLeft(verified) && isTransientRejection(verified.left)) {
      // not a verdict on the commit: kept (durably, before the cursor moves on) and verified again later
      yield* parkCommit(state, frame, bytes, verified.left.message)
      return advance(state, frame.seq)
    }
    if (Either.isLeft(verified)) {
      yield* bump(state, "rejectedCommits", frame.repo)
      yield* Effect.logWarning("firehose commit rejected").pipe(Effect.annotateLogs({ did: frame.repo, rev: frame.rev, ...verified.left }))
      return advance(state, frame.seq)
    }
    state.batch.revs.set(frame.repo, frame.rev)
    yield* admit(state, verified.right)
    advance(state, frame.seq)
  })

const ingestFirehoseFrame = (state: IngestState, frame: FirehoseFrame, bytes: Uint8Array) =>
  Effect.gen(function*() {
    switch (frame.kind) {
      case "commit":
        return yield* ingestCommit(state, frame, bytes)
      case "sync":
        // the repo was reset to a new state without per-record ops: reconciled by drift repair
        if (yield* isNewer(state, frame.did, frame.rev)) state.batch.revs.set(frame.did, frame.rev)
        return advance(state, frame.seq)
      case "identity":
        yield* invalidateIdentity(frame.did)
        if (yield* isKnown(state, frame.did)) yield* admit(state, [{ _tag: "identity", did: frame.did, handle: frame.handle }])
        return advance(state, frame.seq)
      case "account": {
        if (!(yield* isKnown(state, frame.did))) return advance(state, frame.seq)
        const parsed = Date.parse(frame.time)
        const time = Number.isFinite(parsed) ? parsed : yield* Clock.currentTimeMillis
        yield* admit(state, [{ _tag: "account", did: frame.did, active: frame.active, status: frame.status, time }])
        return advance(state, frame.seq)
      }
      case "info":
        // OutdatedCursor: older than the server's backfill window, it replays from its oldest event; drift repair covers the gap
        if (frame.name === "OutdatedCursor") yield* bump(state, "outdatedCursor")
        return yield* Effect.logWarning("firehose info").pipe(Effect.annotateLogs({ name: frame.name, message: frame.message }))
      case "error":
        if (frame.error === "FutureCursor") {
          // our cursor is ahead of the server: it was reset or replaced (a local PDS started anew keeps no
          // sequence), so every event it has now is one we have not seen — replay from its oldest (cursor 0; past its
          // backfill window it answers OutdatedCursor and starts at its oldest). Not the live tail: whatever it
          // sequenced before we reconnect would be lost until drift repair. Replays are idempotent (per-DID revs).
          yield* bump(state, "futureCursor")
          yield* resetCursor(state, 0)
        } else if (frame.error === "ConsumerTooSlow") {
          yield* bump(state, "consumerTooSlow")
        }
        return yield* Effect.logWarning("firehose error frame").pipe(Effect.annotateLogs({ error: frame.error, message: frame.message }))
      case "unknown":
        if (frame.seq !== null) advance(state, frame.seq)
        return
    }
  })

/**
 * One frame of the source: decoded (firehose CBOR or Jetstream JSON), filtered to app.overlap.*, commits verified
 * (signature and MST proof), events admitted into the batch; the processed cursor moves past it. What cannot be
 * used is counted and logged, never raised.
 */
export const ingestFrame = (state: IngestState, data: Frame): Effect.Effect<void, never, FrameServices> =>
  Effect.gen(function*() {
    state.counters.frames++
    if (state.source!.kind === "jetstream") return yield* ingestJetstream(state, data)
    if (typeof data === "string") return yield* bump(state, "undecodable")
    const bytes = new Uint8Array(data)
    const decoded = decodeFrame(bytes)
    if (Either.isLeft(decoded)) {
      yield* bump(state, "undecodable")
      return yield* Effect.logWarning("undecodable firehose frame").pipe(Effect.annotateLogs({ error: decoded.left.message }))
    }
    yield* ingestFirehoseFrame(state, decoded.right, bytes)
  })
