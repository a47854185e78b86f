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
}>() {}
