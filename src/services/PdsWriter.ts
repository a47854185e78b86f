import type { Effect } from "effect"
import { Context, Schema } from "effect"

/**
 * The write did not land: the person's session ended (they must sign in again — their page shows it), the PDS
 * refused the record, or the session object could not be reached. A PDS that is merely down is not a failure: the
 * person's SessionDO keeps the write in its outbox and retries it.
 */
export class PdsWriteFailed extends Schema.TaggedError<PdsWriteFailed>()("PdsWriteFailed", {
  collection: Schema.String,
  rkey: Schema.String,
  cause: Schema.Defect
}) {}

/** One record to create or replace in a user's repo (`com.atproto.repo.putRecord`, deterministic rkey: idempotent). */
export interface RecordWrite {
  readonly repo: string
  readonly collection: string
  readonly rkey: string
  readonly record: Record<string, unknown>
  /** Compare-and-swap: the CID the record must have now (`null`: it must not exist yet). */
  readonly swapRecord?: string | null
}

/** One record to delete from a user's repo (deleting a record that is not there succeeds). */
export interface RecordDelete {
  readonly repo: string
  readonly collection: string
  readonly rkey: string
  readonly swapRecord?: string
}

/**
 * What became of a write: `written` (the PDS has it; `cid` of a put), `queued` (the PDS could not be reached: the
 * person's SessionDO retries it until it lands), `skipped` (a filter in front of the writer chose not to write).
 */
export interface PdsWriteResult {
  readonly status: "written" | "queued" | "skipped"
  readonly cid?: string | undefined
}

/**
 * Writes a user's `app.overlap.*` records to their own PDS. Live (src/adapters/atproto/PdsWriterLive.ts): through
 * the person's atproto OAuth session in their SessionDO; `publishedOnly` in front of it writes booking records only
 * for people who turned publishing on. Tests run `makePdsWriterTest` (src/adapters/memory/PdsWriterTest.ts), which
 * records what would have been written.
 */
export class PdsWriter extends Context.Tag("overlap/PdsWriter")<PdsWriter, {
  readonly putRecord: (write: RecordWrite) => Effect.Effect<PdsWriteResult, PdsWriteFailed>
  readonly deleteRecord: (write: RecordDelete) => Effect.Effect<PdsWriteResult, PdsWriteFailed>
}>() {}
