import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { IndexTask } from "../domain/ingest/events"

/** The queue refused or could not take a batch: nothing of it may be counted as delivered. */
export class IndexQueueUnavailable extends Schema.TaggedError<IndexQueueUnavailable>()("IndexQueueUnavailable", {
  cause: Schema.Defect
}) {}

/** The producer side of `index-tasks` (Live: src/adapters/queues/IndexTaskQueueLive.ts). */
export class IndexTaskQueue extends Context.Tag("overlap/IndexTaskQueue")<IndexTaskQueue, {
  /** Resolves only once every task is accepted by the queue, in order. */
  readonly send: (tasks: ReadonlyArray<IndexTask>) => Effect.Effect<void, IndexQueueUnavailable>
}>() {}
