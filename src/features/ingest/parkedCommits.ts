import { Clock, Effect, Either } from "effect"
import { type Backoff, backoffDelay } from "../../domain/backoff"
import { isTransientRejection } from "../../domain/ingest/commitProof"
import { decodeFrame, overlapOps } from "../../domain/ingest/firehoseFrame"
import type { AuditEventsRepo } from "../../services/AuditEventsRepo"
import type { IdentityResolver } from "../../services/IdentityResolver"
import { IngestCursorStore } from "../../services/IngestCursorStore"
import { IndexTaskQueue } from "../../services/IndexTaskQueue"
import { IngestMetrics } from "../../services/IngestMetrics"
import { admitEvents } from "./admit"
import { bump, type IngestState, sourceId } from "./ingestState"
import { verifyCommit } from "./verifyCommit"

/**
 * Parked commits: a firehose commit whose signature could not be checked because the author's DID document could
 * not be fetched (PLC timeout, 5xx) is not a rejected commit. Its frame is kept in the object's SQLite
 * (`parked_commits`, written before the cursor moves past it) and verified again by the keep-alive alarm with
 * backoff, until it verifies (its events go to `index-tasks`) or is rejected for a reason that is about the
 * commit (bad signature, no key in a document that did resolve). Nothing is dropped because a registry was slow.
 */

/** Wait before retry n of a parked commit: 30 s doubling up to 1 h (one alarm tick is 30 s). */
export const PARKED_RETRY_BACKOFF: Backoff = { base: 30_000, cap: 60 * 60_000 }
/** Parked commits retried per alarm tick. */
export const PARKED_RETRY_BATCH = 50

/** Keeps a commit that could not be verified for a transient reason; retried from `now + PARKED_RETRY_BACKOFF.base`. */
export const parkCommit = (state: IngestState, frame: { readonly repo: string; readonly rev: string }, bytes: Uint8Array, reason: string) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    yield* (yield* IngestCursorStore).park({
      did: frame.repo,
      rev: frame.rev,
      frame: bytes,
      attempts: 0,
      nextAt: now + backoffDelay(PARKED_RETRY_BACKOFF, 1),
      reason
    })
    yield* bump(state, "parkedCommits", frame.repo)
    yield* Effect.logWarning("firehose commit parked: identity unavailable").pipe(Effect.annotateLogs({ did: frame.repo, rev: frame.rev, reason }))
  })

/**
 * Verifies the parked commits that are due. A verified commit's events are admitted and enqueued at once, and
 * only then is it unparked (a queue failure leaves it parked for the next tick). Its events carry the commit's
 * own rev, so the indexer's per-record rev guard keeps anything newer that arrived meanwhile.
 */
export const retryParkedCommits = (state: IngestState) =>
  Effect.gen(function*() {
    const store = yield* IngestCursorStore
    const now = yield* Clock.currentTimeMillis
    const due = yield* store.dueParked(now, PARKED_RETRY_BATCH)
    for (const parked of due) {
      const decoded = decodeFrame(parked.frame)
      if (Either.isLeft(decoded) || decoded.right.kind !== "commit") {
        yield* store.unpark(parked.did, parked.rev)
        continue
      }
      const frame = decoded.right
      const verified = yield* Effect.either(verifyCommit(frame, overlapOps(frame)))
      if (Either.isLeft(verified)) {
        if (isTransientRejection(verified.left)) {
          const attempts = parked.attempts + 1
          yield* store.retryParkedLater(parked.did, parked.rev, attempts, now + backoffDelay(PARKED_RETRY_BACKOFF, attempts + 1), verified.left.message)
          continue
        }
        yield* store.unpark(parked.did, parked.rev)
        yield* bump(state, "rejectedCommits", parked.did)
        yield* Effect.logWarning("parked firehose commit rejected").pipe(Effect.annotateLogs({ did: parked.did, rev: parked.rev, ...verified.left }))
        continue
      }
      const { tasks, rejected } = yield* admitEvents(sourceId(state), verified.right)
      state.counters.invalidRecords += rejected.length
      if (tasks.length > 0) {
        yield* (yield* IndexTaskQueue).send(tasks)
        state.counters.enqueued += tasks.length
        yield* (yield* IngestMetrics).count({ name: "events.enqueued", source: sourceId(state), value: tasks.length })
      }
      yield* store.unpark(parked.did, parked.rev)
      yield* bump(state, "recoveredCommits", parked.did)
    }
    return due.length
  })

export type ParkedServices = IngestCursorStore | IndexTaskQueue | IngestMetrics | IdentityResolver | AuditEventsRepo
