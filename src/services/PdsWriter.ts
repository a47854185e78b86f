import type { Effect } from "effect"
import { Context, Schema } from "effect"

/** The PDS refused or could not be reached; the write can be retried (putRecord is idempotent per rkey). */
export class PdsWriteFailed extends Schema.TaggedError<PdsWriteFailed>()("PdsWriteFailed", {
  collection: Schema.String,
  rkey: Schema.String,
  cause: Schema.Defect
}) {}

/** One record to create or replace in a user's repo (`com.atproto.repo.putRecord`). */
export interface RecordWrite {
  readonly repo: string
  readonly collection: string
  readonly rkey: string
  readonly record: Record<string, unknown>
}

/**
 * Writes a user's public `app.overlap.*` records to their own PDS. The Live layer goes through the user's
 * atproto OAuth session and lands with issue 13; until then production runs `PdsWriterUnavailable`
 * (src/adapters/atproto/PdsWriterUnavailable.ts), which writes nothing and fails every write saying so, and tests
 * run `makePdsWriterTest` (src/adapters/memory/PdsWriterTest.ts), which records what would have been written.
 */
export class PdsWriter extends Context.Tag("overlap/PdsWriter")<PdsWriter, {
  readonly putRecord: (write: RecordWrite) => Effect.Effect<void, PdsWriteFailed>
}>() {}
