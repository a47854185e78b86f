import { Effect, Option } from "effect"
import { zeroCounters } from "../../domain/ingest/ingestCounters"
import { IngestCursorStore, type StoredIngestState } from "../../services/IngestCursorStore"

/** IngestCursorStore in memory; `stored` is what a restarted object would load, `revs` the per-DID revs. Fresh per call. */
export const makeIngestCursorStoreTest = () => {
  let stored: StoredIngestState = { source: null, running: false, cursor: null, counters: zeroCounters() }
  const revs = new Map<string, string>()
  return {
    stored: () => stored,
    revs: (): ReadonlyMap<string, string> => revs,
    service: IngestCursorStore.of({
      load: Effect.sync(() => stored),
      saveSource: (source) => Effect.sync(() => void (stored = { ...stored, source })),
      saveRunning: (running) => Effect.sync(() => void (stored = { ...stored, running })),
      saveCursor: (cursor) => Effect.sync(() => void (stored = { ...stored, cursor })),
      lastRev: (did) => Effect.sync(() => Option.fromNullable(revs.get(did))),
      commit: ({ revs: newer, cursor, counters }) =>
        Effect.sync(() => {
          for (const [did, rev] of newer) if ((revs.get(did) ?? "") < rev) revs.set(did, rev)
          stored = { ...stored, cursor, counters }
        })
    })
  }
}
