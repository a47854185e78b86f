import { Clock, Effect } from "effect"
import { Analytics } from "../../services/Analytics"

/** What a consumer knows of a batch: the queue's name and each message's enqueue time. */
export interface QueueBatchTimes {
  readonly queue: string
  readonly messages: ReadonlyArray<{ readonly timestamp: Date }>
}

/**
 * Reports how long a batch's messages waited (`queue_age`): the oldest message's age, the count and the mean age in
 * seconds, from the timestamps the queue stamped on each message. Call it first in every consumer.
 */
export const observeQueueBatch = (batch: QueueBatchTimes): Effect.Effect<void, never, Analytics> =>
  Effect.gen(function*() {
    if (batch.messages.length === 0) return
    const now = yield* Clock.currentTimeMillis
    const ages = batch.messages.map((message) => Math.max(0, now - message.timestamp.getTime()) / 1000)
    const oldest = Math.max(...ages)
    const mean = ages.reduce((sum, age) => sum + age, 0) / ages.length
    yield* (yield* Analytics).queueAge(batch.queue, oldest, ages.length, mean)
  })
