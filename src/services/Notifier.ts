import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { Channel, type NotifyTask } from "../domain/notify/task"
import type { RepositoryError } from "./RepositoryError"

/** The delivery failed. `dead`: it will not be tried again (permanent, or the last attempt); the ledger says so. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  channel: Channel,
  target: Schema.String,
  reason: Schema.String,
  dead: Schema.Boolean,
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {}

/** Another consumer holds the claim on this delivery (a redelivered copy in flight): come back after its lease. */
export class DeliveryBusy extends Schema.TaggedError<DeliveryBusy>()("DeliveryBusy", {
  channel: Channel,
  target: Schema.String,
  retryAfterSeconds: Schema.Number
}) {}

/**
 * `delivered`: sent now. `duplicate`: sent (or given up) before, so nothing was sent now.
 * `skipped`: nothing to send to any more (a deleted webhook subscription).
 */
export type DeliveryOutcome = "delivered" | "duplicate" | "skipped"

export interface DeliveryAttempt {
  /** The queue will not deliver this message again: a failure now is final. */
  readonly final: boolean
}

/**
 * Delivers notifications: once per (notification id, channel, target), however often a task is delivered to
 * it. A crash between a send and its bookkeeping can cost one duplicate send after the claim's lease runs
 * out, never a lost one; the webhook-id and Message-ID stay the same, so receivers can drop it.
 */
export class Notifier extends Context.Tag("overlap/Notifier")<Notifier, {
  readonly deliver: (
    task: NotifyTask,
    attempt: DeliveryAttempt
  ) => Effect.Effect<DeliveryOutcome, DeliveryFailed | DeliveryBusy | RepositoryError>
}>() {}
