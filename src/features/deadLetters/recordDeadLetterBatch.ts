import { Clock, Effect } from "effect"
import { DeadLetterRecords } from "../../services/DeadLetterRecords"

/**
 * The consumer of every `*-dlq` queue (docs/operations.md, "Dead letters"): each message is recorded (sealed) in
 * D1 for the operator console, then acknowledged; a message that could not be recorded is retried (and after the
 * DLQ consumer's own max_retries it is gone: a DLQ has no DLQ — logged as such).
 */
export const recordDeadLetterBatch = (batch: MessageBatch<unknown>): Effect.Effect<void, never, DeadLetterRecords> =>
  Effect.gen(function*() {
    const records = yield* DeadLetterRecords
    const now = yield* Clock.currentTimeMillis
    yield* Effect.forEach(batch.messages, (message) =>
      records.record({ dlq: batch.queue, id: message.id, body: message.body, timestamp: message.timestamp.getTime() }, now).pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.sync(() => message.ack()),
          onFailure: (error) =>
            Effect.logError("dead letter not recorded; retrying").pipe(
              Effect.annotateLogs({ queue: batch.queue, id: message.id, attempts: message.attempts, operation: error.operation }),
              Effect.zipRight(Effect.sync(() => message.retry({ delaySeconds: Math.min(300, 5 * 2 ** message.attempts) })))
            )
        })
      ), { discard: true })
  })
