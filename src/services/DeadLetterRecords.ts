import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { RepositoryError } from "./RepositoryError"

/** A message as a `*-dlq` consumer received it. */
export interface ReceivedDeadLetter {
  /** The dead-letter queue it was read from (`calendar-tasks-dlq`, …). */
  readonly dlq: string
  /** The DLQ message's id (the record's key: a redelivery updates the same record). */
  readonly id: string
  /** The message body as received (the runtime's bare body, or the notify consumer's envelope). */
  readonly body: unknown
  /** When the message entered the DLQ (epoch ms). */
  readonly timestamp: number
}

/** A recorded dead letter, as the console lists it: no body, no personal data. */
export interface DeadLetterRow {
  readonly id: string
  readonly dlq: string
  /** The queue a replay sends the body to. */
  readonly sourceQueue: string
  /** `kindOf(body)`: e.g. `match`, `calendar-changed`, `email booking.confirmed`. */
  readonly kind: string
  /** The original consumer's attempts when it said (the notify consumer does); null after the runtime's max_retries. */
  readonly attempts: number | null
  readonly reason: string | null
  readonly bodyBytes: number
  readonly firstSeen: number
  readonly lastSeen: number
  /** How many times this DLQ message reached the recorder (redeliveries of the DLQ itself). */
  readonly deliveries: number
}

/** One record opened: its row, the body (to show masked, or replay) and the last error when the consumer gave one. */
export interface OpenedDeadLetter extends DeadLetterRow {
  readonly body: unknown
  readonly error: string | null
}

/** Per dead-letter queue: records held, and the oldest one's first-seen time. */
export interface DeadLetterBacklog {
  readonly dlq: string
  readonly count: number
  readonly oldest: number
}

export class DeadLetterNotFound extends Schema.TaggedError<DeadLetterNotFound>()("DeadLetterNotFound", {
  id: Schema.String
}) {}

/** The body could not be sent back to its queue (no producer bound for it, or the send failed): nothing deleted. */
export class DeadLetterReplayFailed extends Schema.TaggedError<DeadLetterReplayFailed>()("DeadLetterReplayFailed", {
  id: Schema.String,
  reason: Schema.String
}) {}

/**
 * The record of dead letters (D1 `dead_letters`, migration 0024): bodies sealed with TokenVault (a notify body can
 * carry an e-mail address), listed without them, opened one at a time for the console, replayed (sent to their
 * queue again, then deleted) and dropped.
 */
export class DeadLetterRecords extends Context.Tag("overlap/DeadLetterRecords")<DeadLetterRecords, {
  readonly record: (letter: ReceivedDeadLetter, now: number) => Effect.Effect<void, RepositoryError>
  /** Newest first, at most `limit`; records older than the retention are deleted first. */
  readonly list: (now: number, limit: number) => Effect.Effect<ReadonlyArray<DeadLetterRow>, RepositoryError>
  readonly backlog: () => Effect.Effect<ReadonlyArray<DeadLetterBacklog>, RepositoryError>
  readonly open: (id: string) => Effect.Effect<OpenedDeadLetter, DeadLetterNotFound | RepositoryError>
  readonly replay: (id: string) => Effect.Effect<DeadLetterRow, DeadLetterNotFound | DeadLetterReplayFailed | RepositoryError>
  /** true when a record was deleted. */
  readonly drop: (id: string) => Effect.Effect<boolean, RepositoryError>
}>() {}
