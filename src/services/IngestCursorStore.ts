import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import type { IngestCounters } from "../domain/ingest/ingestCounters"
import type { IngestSource } from "../domain/ingest/sources"

/** What an ingest source's object keeps across restarts. */
export interface StoredIngestState {
  readonly source: IngestSource | null
  readonly running: boolean
  /** Where a reconnect resumes: moved only after everything before it was enqueued. */
  readonly cursor: number | null
  readonly counters: IngestCounters
}

/** The stored source does not decode as an `IngestSource` (written by an older version, or damaged). */
export class StoredSourceInvalid extends Schema.TaggedError<StoredSourceInvalid>()("StoredSourceInvalid", {
  message: Schema.String
}) {}

/** Progress that becomes durable at once, after the events before `cursor` were enqueued. */
export interface IngestProgress {
  /** The newest rev enqueued per DID (an older one never replaces a newer). */
  readonly revs: ReadonlyMap<string, string>
  readonly cursor: number | null
  readonly counters: IngestCounters
}

/**
 * A firehose commit that could not be verified for a transient reason (the author's DID document could not be
 * fetched): kept as its frame, retried with backoff until it verifies or is rejected for good.
 */
export interface ParkedCommit {
  readonly did: string
  readonly rev: string
  /** The whole firehose frame (CBOR header + #commit body), as it came. */
  readonly frame: Uint8Array
  /** Retries so far (0 when parked). */
  readonly attempts: number
  /** Epoch ms: not retried before this. */
  readonly nextAt: number
  readonly reason: string
}

/**
 * The cursor, per-DID revs, source and counters of one ingest source, where its FirehoseDO keeps them (Live:
 * the object's SQLite storage, src/adapters/objects/IngestCursorStoreLive.ts). Storage failures are defects.
 */
export class IngestCursorStore extends Context.Tag("overlap/IngestCursorStore")<IngestCursorStore, {
  readonly load: Effect.Effect<StoredIngestState, StoredSourceInvalid>
  readonly saveSource: (source: IngestSource) => Effect.Effect<void>
  readonly saveRunning: (running: boolean) => Effect.Effect<void>
  readonly saveCursor: (cursor: number | null) => Effect.Effect<void>
  /** The last rev enqueued for a DID. */
  readonly lastRev: (did: string) => Effect.Effect<Option.Option<string>>
  /** Revs, cursor and counters in one transaction. */
  readonly commit: (progress: IngestProgress) => Effect.Effect<void>
  /** Keeps a commit to retry (durable at once, before the cursor moves past it); the same (did, rev) is kept once. */
  readonly park: (commit: ParkedCommit) => Effect.Effect<void>
  /** Parked commits due at `now`, oldest due first, at most `limit`. */
  readonly dueParked: (now: number, limit: number) => Effect.Effect<ReadonlyArray<ParkedCommit>>
  /** A retry failed again for a transient reason: try again at `nextAt`. */
  readonly retryParkedLater: (did: string, rev: string, attempts: number, nextAt: number, reason: string) => Effect.Effect<void>
  /** The commit was verified (and its events enqueued) or rejected for good. */
  readonly unpark: (did: string, rev: string) => Effect.Effect<void>
  readonly parkedCount: Effect.Effect<number>
}>() {}
