import type { Effect } from "effect"
import { Context } from "effect"
import type { RepositoryError } from "./RepositoryError"

/** Which DIDs ingest has been busy with (migrations/0007_ingest.sql), for drift repair and account-event order. */
export class IngestActivityRepo extends Context.Tag("overlap/IngestActivityRepo")<IngestActivityRepo, {
  /** Records that an event of `did` was applied at `at` (the newest time wins). */
  readonly touch: (did: string, at: number) => Effect.Effect<void, RepositoryError>
  /**
   * Claims the right to apply an account event of `time`: true when it is newer than the last one applied. `retry`
   * (the queue redelivers a message whose apply failed after its claim) also accepts the same time again.
   */
  readonly claimAccountEvent: (did: string, time: number, retry: boolean) => Effect.Effect<boolean, RepositoryError>
  /** DIDs with an event at or after `since`, least recently drift-checked first. */
  readonly listActiveSince: (since: number, limit: number) => Effect.Effect<ReadonlyArray<string>, RepositoryError>
  readonly markDriftChecked: (did: string, at: number) => Effect.Effect<void, RepositoryError>
}>() {}
