import type { Effect } from "effect"
import { Context, Schema } from "effect"

/** What the notify consumer gives up on, with why: enough to inspect it and to re-enqueue `body` by hand. */
export interface DeadLetter {
  readonly reason: "undecodable" | "delivery-failed"
  readonly messageId: string
  readonly attempts: number
  /** The last error, or the decode error of a poison message. */
  readonly error: string
  /** The queue message body as received. */
  readonly body: unknown
}

export class DeadLetterError extends Schema.TaggedError<DeadLetterError>()("DeadLetterError", {
  cause: Schema.Defect
}) {}

/**
 * Where the notify consumer puts messages it will not retry. `false` when no dead-letter queue is bound:
 * the letter is then only logged (the caller decides whether to retry so that the runtime's DLQ takes it).
 */
export class DeadLetters extends Context.Tag("overlap/DeadLetters")<DeadLetters, {
  readonly send: (letter: DeadLetter) => Effect.Effect<boolean, DeadLetterError>
}>() {}
