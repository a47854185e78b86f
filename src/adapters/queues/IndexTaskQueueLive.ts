import { Effect, Layer } from "effect"
import { intoBatches } from "../../domain/ingest/indexTaskBatches"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { IndexQueueUnavailable, IndexTaskQueue } from "../../services/IndexTaskQueue"

/** IndexTaskQueue over the worker's `INDEX_TASKS` binding: tasks in batches within the queue's limits, one after another. */
export const IndexTaskQueueLive: Layer.Layer<IndexTaskQueue, never, CloudflareEnv> = Layer.effect(
  IndexTaskQueue,
  Effect.map(CloudflareEnv, (env) =>
    IndexTaskQueue.of({
      send: (tasks) =>
        Effect.forEach(
          intoBatches(tasks),
          (batch) =>
            Effect.tryPromise({
              try: () => env.INDEX_TASKS.sendBatch(batch.map((body) => ({ body, contentType: "json" as const }))),
              catch: (cause) => new IndexQueueUnavailable({ cause })
            }),
          { discard: true }
        )
    }))
)
