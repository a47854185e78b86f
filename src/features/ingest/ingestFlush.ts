import { Clock, Effect } from "effect"
import { FirehoseCursorsRepo } from "../../services/FirehoseCursorsRepo"
import { IngestCursorStore } from "../../services/IngestCursorStore"
import { type IndexQueueUnavailable, IndexTaskQueue } from "../../services/IndexTaskQueue"
import { IngestMetrics } from "../../services/IngestMetrics"
import { countersOf, type IngestState, sourceId } from "./ingestState"

/** With nothing to enqueue, the cursor is saved at most this often; D1's copy less often. */
export const CURSOR_PERSIST_MS = 1_000
const CURSOR_D1_MS = 10_000

export type FlushServices = IndexTaskQueue | IngestMetrics | IngestCursorStore | FirehoseCursorsRepo

/** D1 keeps a copy of every source's cursor (ops, drift tooling); the object's storage stays the one that resumes. */
const mirrorCursor = (state: IngestState, force: boolean) =>
  Effect.gen(function*() {
    const cursor = state.cursor.persisted
    const now = yield* Clock.currentTimeMillis
    if (cursor === null || (!force && now - state.cursor.mirroredAt < CURSOR_D1_MS)) return
    const reset = state.cursor.wasReset
    state.cursor.mirroredAt = now
    state.cursor.wasReset = false
    const repo = yield* FirehoseCursorsRepo
    yield* (reset ? repo.reset(sourceId(state), cursor) : repo.set(sourceId(state), cursor)).pipe(
      Effect.catchAll((error) => Effect.logWarning("firehose: D1 cursor copy failed", error))
    )
  })

/**
 * Ingest lag (`ingest_lag`, docs/operations.md): how far the newest event handled since the last flush is behind
 * now, by the source's own clock (the commit's `time`, Jetstream's `time_us`). At most one point a second per
 * source, whatever the event rate.
 */
const LAG_REPORT_MS = 1_000
const reportLag = (state: IngestState) =>
  Effect.gen(function*() {
    const at = state.cursor.eventAt
    const now = yield* Clock.currentTimeMillis
    if (at === null || now - state.cursor.lagReportedAt < LAG_REPORT_MS) return
    state.cursor.eventAt = null
    state.cursor.lagReportedAt = now
    const lag = Math.max(0, now - at)
    yield* (yield* IngestMetrics).count({ name: "ingest_lag", source: sourceId(state), value: lag })
  })

/**
 * Enqueues the batch, then makes the cursor, the revs and the counters durable together. With nothing to enqueue
 * the cursor is still saved, at most every CURSOR_PERSIST_MS unless `force`. Fails when the queue refuses.
 */
export const flushBatch = (state: IngestState, force: boolean): Effect.Effect<void, IndexQueueUnavailable, FlushServices> =>
  Effect.gen(function*() {
    const { tasks, revs } = state.batch
    const cursor = state.cursor.processed
    yield* reportLag(state)
    if (tasks.length > 0) {
      yield* (yield* IndexTaskQueue).send(tasks)
      state.counters.enqueued += tasks.length
      yield* (yield* IngestMetrics).count({ name: "events.enqueued", source: sourceId(state), value: tasks.length })
      state.batch.tasks = []
      state.batch.revs = new Map()
    } else if (revs.size === 0 && cursor === state.cursor.persisted && !state.cursor.wasReset) {
      return
    } else if (!force && (yield* Clock.currentTimeMillis) - state.cursor.persistedAt < CURSOR_PERSIST_MS) {
      return
    }
    yield* (yield* IngestCursorStore).commit({ revs, cursor, counters: countersOf(state) })
    if (tasks.length === 0) state.batch.revs = new Map()
    state.cursor.persisted = cursor
    state.cursor.persistedAt = yield* Clock.currentTimeMillis
    yield* mirrorCursor(state, force)
  })

/** Drops what is only in memory: the batch is not sent, the next connect resumes from the saved cursor. */
export const abandonBatch = (state: IngestState): void => {
  state.batch.tasks = []
  state.batch.revs = new Map()
  // the frames after the saved cursor come again: their operations must not count as seen
  state.opsAtRev.clear()
  state.cursor.processed = state.cursor.persisted
}
