import { Effect, Option } from "effect"
import { zeroCounters } from "../../domain/ingest/ingestCounters"
import { IngestCursorStore, type ParkedCommit, type StoredIngestState } from "../../services/IngestCursorStore"

/** IngestCursorStore in memory; `stored` is what a restarted object would load, `revs` the per-DID revs. Fresh per call. */
export const makeIngestCursorStoreTest = () => {
  let stored: StoredIngestState = { source: null, running: false, cursor: null, counters: zeroCounters() }
  const revs = new Map<string, string>()
  const parked = new Map<string, ParkedCommit>()
  const key = (did: string, rev: string) => `${did} ${rev}`
  return {
    stored: () => stored,
    revs: (): ReadonlyMap<string, string> => revs,
    parked: (): ReadonlyArray<ParkedCommit> => [...parked.values()],
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
        }),
      park: (c) => Effect.sync(() => void (parked.has(key(c.did, c.rev)) || parked.set(key(c.did, c.rev), c))),
      dueParked: (now, limit) =>
        Effect.sync(() => [...parked.values()].filter((c) => c.nextAt <= now).sort((a, b) => a.nextAt - b.nextAt).slice(0, limit)),
      retryParkedLater: (did, rev, attempts, nextAt, reason) =>
        Effect.sync(() => {
          const c = parked.get(key(did, rev))
          if (c !== undefined) parked.set(key(did, rev), { ...c, attempts, nextAt, reason })
        }),
      unpark: (did, rev) => Effect.sync(() => void parked.delete(key(did, rev))),
      parkedCount: Effect.sync(() => parked.size)
    })
  }
}
