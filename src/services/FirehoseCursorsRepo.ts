import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { RepositoryError } from "./RepositoryError"

/** The last persisted position of each ingest source (firehose seq, Jetstream time_us, Tap id). */
export class FirehoseCursorsRepo extends Context.Tag("overlap/FirehoseCursorsRepo")<FirehoseCursorsRepo, {
  readonly get: (source: string) => Effect.Effect<Option.Option<number>, RepositoryError>
  /** Moves the cursor forward; an older or equal cursor is ignored (false), so a late write cannot rewind. */
  readonly set: (source: string, cursor: number) => Effect.Effect<boolean, RepositoryError>
  /** Sets the cursor unconditionally, e.g. after the source answered OutdatedCursor / FutureCursor. */
  readonly reset: (source: string, cursor: number) => Effect.Effect<void, RepositoryError>
}>() {}
