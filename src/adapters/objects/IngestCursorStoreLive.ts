import { Effect, Either, Layer, Option, Schema } from "effect"
import { countersFromJson } from "../../domain/ingest/ingestCounters"
import { IngestSource } from "../../domain/ingest/sources"
import { IngestCursorStore, StoredSourceInvalid } from "../../services/IngestCursorStore"

/** Past this many DIDs the in-memory copy of `repo_revs` starts over (it only saves reads). */
const MAX_CACHED_REVS = 50_000

const decodeSource = Schema.decodeUnknownEither(Schema.parseJson(IngestSource))

/**
 * IngestCursorStore over a FirehoseDO's SQLite storage: `ingest_state` (source, stopped, cursor, counters as
 * key/value rows) and `repo_revs` (the last rev enqueued per DID, remembered in memory once read).
 */
export const makeIngestCursorStore = (storage: DurableObjectStorage) => {
  storage.sql.exec(`CREATE TABLE IF NOT EXISTS repo_revs (did TEXT PRIMARY KEY, rev TEXT NOT NULL)`)
  storage.sql.exec(`CREATE TABLE IF NOT EXISTS ingest_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
  storage.sql.exec(
    `CREATE TABLE IF NOT EXISTS parked_commits (did TEXT NOT NULL, rev TEXT NOT NULL, frame BLOB NOT NULL, attempts INTEGER NOT NULL,
      next_at INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (did, rev))`
  )
  storage.sql.exec(`CREATE INDEX IF NOT EXISTS parked_commits_due ON parked_commits (next_at)`)
  const revs = new Map<string, string>()

  const write = (key: string, value: string) =>
    storage.sql.exec(
      "INSERT INTO ingest_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value
    )
  const writeCursor = (cursor: number | null) => write("cursor", cursor === null ? "" : String(cursor))
  const remember = (did: string, rev: string) => {
    if (revs.size >= MAX_CACHED_REVS) revs.clear()
    revs.set(did, rev)
  }

  return IngestCursorStore.of({
    load: Effect.suspend(() => {
      const rows = storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM ingest_state").toArray()
      const get = (key: string) => rows.find((r) => r.key === key)?.value
      const storedSource = get("source")
      const source = storedSource === undefined ? Either.right(null) : decodeSource(storedSource)
      if (Either.isLeft(source)) return Effect.fail(new StoredSourceInvalid({ message: `stored ingest source: ${source.left.message}` }))
      const cursor = get("cursor")
      return Effect.succeed({
        source: source.right,
        running: get("stopped") === "false",
        cursor: cursor === undefined || cursor === "" ? null : Number(cursor),
        counters: countersFromJson(get("counters"))
      })
    }),
    saveSource: (source) => Effect.sync(() => void write("source", JSON.stringify(source))),
    saveRunning: (running) => Effect.sync(() => void write("stopped", running ? "false" : "true")),
    saveCursor: (cursor) => Effect.sync(() => void writeCursor(cursor)),
    lastRev: (did) =>
      Effect.sync(() => {
        const cached = revs.get(did)
        if (cached !== undefined) return Option.some(cached)
        const row = storage.sql.exec<{ rev: string }>("SELECT rev FROM repo_revs WHERE did = ?", did).toArray()[0]
        if (row === undefined) return Option.none()
        remember(did, row.rev)
        return Option.some(row.rev)
      }),
    commit: ({ revs: newer, cursor, counters }) =>
      Effect.sync(() => {
        storage.transactionSync(() => {
          for (const [did, rev] of newer) {
            storage.sql.exec(
              "INSERT INTO repo_revs (did, rev) VALUES (?, ?) ON CONFLICT (did) DO UPDATE SET rev = excluded.rev WHERE excluded.rev > repo_revs.rev",
              did,
              rev
            )
          }
          writeCursor(cursor)
          write("counters", JSON.stringify(counters))
        })
        for (const [did, rev] of newer) remember(did, rev)
      }),
    park: (c) =>
      Effect.sync(() =>
        void storage.sql.exec(
          "INSERT INTO parked_commits (did, rev, frame, attempts, next_at, reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (did, rev) DO NOTHING",
          c.did,
          c.rev,
          c.frame.buffer.slice(c.frame.byteOffset, c.frame.byteOffset + c.frame.byteLength),
          c.attempts,
          c.nextAt,
          c.reason
        )
      ),
    dueParked: (now, limit) =>
      Effect.sync(() =>
        storage.sql
          .exec<{ did: string; rev: string; frame: ArrayBuffer; attempts: number; next_at: number; reason: string }>(
            "SELECT did, rev, frame, attempts, next_at, reason FROM parked_commits WHERE next_at <= ? ORDER BY next_at LIMIT ?",
            now,
            limit
          )
          .toArray()
          .map((r) => ({ did: r.did, rev: r.rev, frame: new Uint8Array(r.frame), attempts: r.attempts, nextAt: r.next_at, reason: r.reason }))
      ),
    retryParkedLater: (did, rev, attempts, nextAt, reason) =>
      Effect.sync(() =>
        void storage.sql.exec(
          "UPDATE parked_commits SET attempts = ?, next_at = ?, reason = ? WHERE did = ? AND rev = ?",
          attempts,
          nextAt,
          reason,
          did,
          rev
        )
      ),
    unpark: (did, rev) => Effect.sync(() => void storage.sql.exec("DELETE FROM parked_commits WHERE did = ? AND rev = ?", did, rev)),
    parkedCount: Effect.sync(() => storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM parked_commits").one().n)
  })
}

/** The store of the object whose storage this is. */
export const IngestCursorStoreLive = (storage: DurableObjectStorage): Layer.Layer<IngestCursorStore> =>
  Layer.sync(IngestCursorStore, () => makeIngestCursorStore(storage))
