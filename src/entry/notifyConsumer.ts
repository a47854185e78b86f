import { Cause, Effect, Either, ParseResult, Schema } from "effect"
import { backoffSeconds, isFinalAttempt } from "../domain/notify/retry"
import { DmTask, EmailTask, type NotifyTask, WebhookTask } from "../domain/notify/task"
import { type DeadLetter, DeadLetters } from "../services/DeadLetters"
import { Notifier } from "../services/Notifier"

/**
 * The notify-tasks consumer: each message is one delivery (see domain/notify/task.ts), handled on its own so
 * a failing channel never holds back the others in the batch:
 *
 * - delivered, a duplicate (redelivery of something already sent or given up) or skipped → `ack()`;
 * - a retryable failure (timeout, 429, 5xx, ledger unavailable) → `retry({ delaySeconds })` with exponential
 *   backoff (domain/notify/retry.ts), honouring Retry-After;
 * - a permanent failure, or a failure on the queue's last delivery (attempts > NOTIFY_MAX_RETRIES) → the
 *   ledger marks it dead, the consumer writes a dead letter with the last error and acks;
 * - a poison message (does not decode as a NotifyTask) → logged, dead-lettered and acked at once: retrying
 *   cannot make it decode, so spending max_retries deliveries on it would only delay the DLQ.
 *
 * When no dead-letter queue is bound (or writing to it fails) a message to give up on is retried instead,
 * so that the runtime's own dead_letter_queue takes it after max_retries rather than it being lost.
 */

const byChannel = { email: EmailTask, webhook: WebhookTask, dm: DmTask } as const

/** Decodes a body by its `channel`, so a bad field is reported as that field, not as a mismatch of the whole union. */
const decodeTask = (body: unknown): Either.Either<NotifyTask, string> => {
  const channel = typeof body === "object" && body !== null ? (body as { channel?: unknown }).channel : undefined
  const schema = typeof channel === "string" && Object.hasOwn(byChannel, channel)
    ? byChannel[channel as keyof typeof byChannel]
    : undefined
  if (schema === undefined) return Either.left("not a notify task: no known channel")
  return Schema.decodeUnknownEither(schema as Schema.Schema<NotifyTask, unknown>)(body).pipe(
    Either.mapLeft((error) =>
      ParseResult.ArrayFormatter.formatErrorSync(error)
        .slice(0, 5)
        .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message.slice(0, 200)}`)
        .join("; ")
    )
  )
}

export interface ConsumerConfig {
  readonly maxRetries: number
}

type Decision =
  | { readonly _tag: "ack" }
  | { readonly _tag: "retry"; readonly delaySeconds: number }
  | { readonly _tag: "deadLetter"; readonly letter: DeadLetter }

const log = (level: "info" | "warn" | "error", fields: Record<string, unknown>) =>
  Effect.sync(() => console[level](JSON.stringify({ worker: "notify", ...fields })))

const decide = (message: Message<unknown>, config: ConsumerConfig): Effect.Effect<Decision, never, Notifier> =>
  Effect.gen(function*() {
    const decoded = decodeTask(message.body)
    if (decoded._tag === "Left") {
      const error = decoded.left
      yield* log("warn", { event: "poison-message", messageId: message.id, error })
      return {
        _tag: "deadLetter",
        letter: { reason: "undecodable", messageId: message.id, attempts: message.attempts, error, body: message.body }
      } as const
    }
    const task = decoded.right
    const notifier = yield* Notifier
    const where = { messageId: message.id, notificationId: task.id, channel: task.channel, attempts: message.attempts }
    const retry = (retryAfterSeconds?: number): Decision => ({
      _tag: "retry",
      delaySeconds: backoffSeconds(message.attempts, retryAfterSeconds)
    })
    return yield* notifier.deliver(task, { final: isFinalAttempt(message.attempts, config.maxRetries) }).pipe(
      Effect.tap((outcome) => log("info", { event: `delivery-${outcome}`, ...where })),
      Effect.as<Decision>({ _tag: "ack" }),
      Effect.catchTags({
        DeliveryBusy: (busy) =>
          Effect.as(log("info", { event: "delivery-busy", ...where }), retry(busy.retryAfterSeconds)),
        DeliveryFailed: (failed) =>
          failed.dead
            ? Effect.as(log("error", { event: "delivery-dead", reason: failed.reason, ...where }), {
              _tag: "deadLetter",
              letter: {
                reason: "delivery-failed",
                messageId: message.id,
                attempts: message.attempts,
                error: failed.reason,
                body: message.body
              }
            } as const)
            : Effect.as(log("warn", { event: "delivery-retry", reason: failed.reason, ...where }), retry(failed.retryAfterSeconds)),
        RepositoryError: (error) =>
          Effect.as(log("error", { event: "ledger-unavailable", operation: error.operation, ...where }), retry())
      })
    )
  }).pipe(
    // A defect (a bug) must not lose the message: retry it, and let max_retries bound the damage.
    Effect.catchAllCause((cause) =>
      Effect.as(
        log("error", { event: "consumer-defect", messageId: message.id, cause: Cause.pretty(cause).slice(0, 2000) }),
        { _tag: "retry", delaySeconds: backoffSeconds(message.attempts) } as const
      ))
  )

const apply = (message: Message<unknown>, decision: Decision): Effect.Effect<void, never, DeadLetters> => {
  switch (decision._tag) {
    case "ack":
      return Effect.sync(() => message.ack())
    case "retry":
      return Effect.sync(() => message.retry({ delaySeconds: decision.delaySeconds }))
    case "deadLetter":
      return Effect.flatMap(DeadLetters, (dlq) => dlq.send(decision.letter)).pipe(
        Effect.catchAll((error) => Effect.as(log("error", { event: "dead-letter-write-failed", error: String(error.cause) }), false)),
        Effect.flatMap((stored) =>
          Effect.sync(() => (stored ? message.ack() : message.retry({ delaySeconds: backoffSeconds(message.attempts) })))
        )
      )
  }
}

/** Handles one batch; never fails: every message ends acked or retried. */
export const processNotifyBatch = (
  batch: MessageBatch<unknown>,
  config: ConsumerConfig
): Effect.Effect<void, never, Notifier | DeadLetters> =>
  Effect.forEach(batch.messages, (message) => Effect.flatMap(decide(message, config), (d) => apply(message, d)), {
    concurrency: 6,
    discard: true
  })
