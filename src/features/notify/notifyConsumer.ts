import { Cause, Effect, Either, ParseResult, Schema } from "effect"
import { ConnectorBrokenNotice, type ConnectorNotice, HoldConflictNotice } from "../../domain/calendar/connectorNotice"
import { planNotice } from "../../domain/notify/plan"
import { backoffSeconds, isFinalAttempt } from "../../domain/notify/retry"
import { DmTask, EmailTask, NotifyTask, WebhookTask } from "../../domain/notify/task"
import { type DeadLetter, DeadLetters } from "../../services/DeadLetters"
import { Notifier } from "../../services/Notifier"
import { WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"

/**
 * The notify-tasks consumer: each message is one delivery (see domain/notify/task.ts), handled on its own so
 * a failing channel never holds back the others in the batch:
 *
 * - delivered, a duplicate (redelivery of something already sent or given up) or skipped → `ack()`;
 * - a retryable failure (timeout, 429, 5xx, ledger unavailable) → `retry({ delaySeconds })` with exponential
 *   backoff (domain/notify/retry.ts), honouring Retry-After;
 * - a permanent failure, or a failure on the queue's last delivery (attempts > NOTIFY_MAX_RETRIES) → the
 *   ledger marks it dead, the consumer writes a dead letter with the last error and acks;
 * - a poison message (decodes neither as a NotifyTask nor as a connector notice) → logged, dead-lettered and
 *   acked at once: retrying cannot make it decode, so spending max_retries deliveries on it would only delay
 *   the DLQ.
 *
 * A connector notice (`{ kind: "connector-broken" | "hold-conflict-released", … }`, domain/calendar/
 * connectorNotice.ts, sent by ConnectorNotices) is planned here into its deliveries (domain/notify/plan.ts
 * `planNotice`, against the recipients' active webhook subscriptions read now), and each is delivered through
 * the same Notifier, so once per (notice id, channel, target). The notice message is the unit of retry: it
 * is retried while any of its deliveries wants a retry (the ones already delivered are duplicates then); a
 * delivery given up on is dead-lettered on its own, with the planned task as the body (re-enqueueable by
 * hand as an ordinary task).
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
  return Schema.decodeUnknownEither(schema as Schema.Schema<NotifyTask, unknown>)(body).pipe(Either.mapLeft(formatError))
}

const formatError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message.slice(0, 200)}`)
    .join("; ")

const byKind = { "connector-broken": ConnectorBrokenNotice, "hold-conflict-released": HoldConflictNotice } as const

/** Decodes a connector notice by its `kind`. */
const decodeNotice = (body: object, kind: unknown): Either.Either<ConnectorNotice, string> => {
  const schema = typeof kind === "string" && Object.hasOwn(byKind, kind) ? byKind[kind as keyof typeof byKind] : undefined
  if (schema === undefined) return Either.left(`not a connector notice: unknown kind ${JSON.stringify(String(kind)).slice(0, 80)}`)
  return Schema.decodeUnknownEither(schema as Schema.Schema<ConnectorNotice, unknown>)(body).pipe(Either.mapLeft(formatError))
}

type Decoded =
  | { readonly _tag: "task"; readonly task: NotifyTask }
  | { readonly _tag: "notice"; readonly notice: ConnectorNotice }

/** A body with a `kind` is a connector notice; anything else must be a delivery task. */
const decodeMessage = (body: unknown): Either.Either<Decoded, string> =>
  typeof body === "object" && body !== null && Object.hasOwn(body, "kind")
    ? Either.map(decodeNotice(body, (body as { kind?: unknown }).kind), (notice) => ({ _tag: "notice", notice }) as const)
    : Either.map(decodeTask(body), (task) => ({ _tag: "task", task }) as const)

export interface ConsumerConfig {
  readonly maxRetries: number
  /** The worker has a DM sender: connector notices are also sent as a Bluesky DM to each recipient. */
  readonly dmNotices?: boolean
}

type Decision =
  | { readonly _tag: "ack" }
  | { readonly _tag: "retry"; readonly delaySeconds: number }
  | { readonly _tag: "deadLetter"; readonly letter: DeadLetter }

const log = (level: "info" | "warn" | "error", fields: Record<string, unknown>) =>
  Effect.sync(() => console[level](JSON.stringify({ worker: "notify", ...fields })))

const poison = (message: Message<unknown>, error: string) =>
  Effect.as(log("warn", { event: "poison-message", messageId: message.id, error }), {
    _tag: "deadLetter",
    letter: { reason: "undecodable", messageId: message.id, attempts: message.attempts, error, body: message.body }
  } as const)

/** One delivery task of a message (the message itself, or one planned from a notice, then `body` = the task). */
const deliverTask = (
  message: Message<unknown>,
  task: NotifyTask,
  config: ConsumerConfig,
  body: unknown
): Effect.Effect<Decision, never, Notifier> =>
  Effect.gen(function*() {
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
                body
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

/**
 * A connector notice: plan its deliveries against the recipients' active webhook subscriptions, deliver each,
 * write a dead letter for each one given up on, and retry the notice while any delivery wants a retry.
 */
const handleNotice = (
  message: Message<unknown>,
  notice: ConnectorNotice,
  config: ConsumerConfig
): Effect.Effect<Decision, never, Notifier | DeadLetters | WebhookSubscriptionsRepo> =>
  Effect.gen(function*() {
    const repo = yield* WebhookSubscriptionsRepo
    const active = new Map<string, ReadonlyArray<string>>()
    for (const did of new Set(notice.recipients)) {
      const subscriptions = yield* repo.listForDid(did)
      active.set(did, subscriptions.filter((s) => s.disabledAt === null).map((s) => s.id))
    }
    const planned = planNotice(notice, (did) => active.get(did) ?? [], { dm: config.dmNotices === true })
    // The planned tasks must be what the queue would accept as tasks (e.g. a notice id a webhook-id can carry).
    const valid = Schema.validateEither(Schema.Array(NotifyTask))(planned)
    if (valid._tag === "Left") return yield* poison(message, `notice ${notice.kind}: ${formatError(valid.left)}`)
    const where = { messageId: message.id, notificationId: notice.id, kind: notice.kind, attempts: message.attempts }
    if (planned.length === 0) {
      yield* log("warn", { event: "notice-no-channel", ...where })
      return { _tag: "ack" } as const
    }
    yield* log("info", { event: "notice-planned", deliveries: planned.length, ...where })
    const decisions = yield* Effect.forEach(planned, (task) => deliverTask(message, task, config, task), { concurrency: 3 })
    const retries: Array<number> = []
    for (const decision of decisions) {
      if (decision._tag === "retry") retries.push(decision.delaySeconds)
      if (decision._tag === "deadLetter") {
        const stored = yield* Effect.flatMap(DeadLetters, (dlq) => dlq.send(decision.letter)).pipe(
          Effect.catchAll((error) => Effect.as(log("error", { event: "dead-letter-write-failed", error: String(error.cause) }), false))
        )
        // Not stored: the ledger still holds it as dead with its last error; a retry of the notice finds it so.
        if (!stored) retries.push(backoffSeconds(message.attempts))
      }
    }
    return retries.length > 0 ? { _tag: "retry", delaySeconds: Math.max(...retries) } as const : { _tag: "ack" } as const
  }).pipe(
    Effect.catchTag("RepositoryError", (error) =>
      Effect.as(
        log("error", { event: "subscriptions-unavailable", operation: error.operation, messageId: message.id }),
        { _tag: "retry", delaySeconds: backoffSeconds(message.attempts) } as const
      )),
    Effect.catchAllCause((cause) =>
      Effect.as(
        log("error", { event: "consumer-defect", messageId: message.id, cause: Cause.pretty(cause).slice(0, 2000) }),
        { _tag: "retry", delaySeconds: backoffSeconds(message.attempts) } as const
      ))
  )

const decide = (
  message: Message<unknown>,
  config: ConsumerConfig
): Effect.Effect<Decision, never, Notifier | DeadLetters | WebhookSubscriptionsRepo> => {
  const decoded = decodeMessage(message.body)
  if (decoded._tag === "Left") return poison(message, decoded.left)
  return decoded.right._tag === "task"
    ? deliverTask(message, decoded.right.task, config, message.body)
    : handleNotice(message, decoded.right.notice, config)
}

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
): Effect.Effect<void, never, Notifier | DeadLetters | WebhookSubscriptionsRepo> =>
  Effect.forEach(batch.messages, (message) => Effect.flatMap(decide(message, config), (d) => apply(message, d)), {
    concurrency: 6,
    discard: true
  })
