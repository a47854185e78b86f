import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { Notification } from "../domain/notify/plan"
import type { NotifyTask } from "../domain/notify/task"
import type { RepositoryError } from "./RepositoryError"

/** The notification does not satisfy its schema (the message names the field). Nothing was enqueued. */
export class NotificationInvalid extends Schema.TaggedError<NotificationInvalid>()("NotificationInvalid", {
  message: Schema.String
}) {}

/** The queue refused or failed the send. Safe to retry: the consumer deduplicates. */
export class NotifyEnqueueError extends Schema.TaggedError<NotifyEnqueueError>()("NotifyEnqueueError", {
  cause: Schema.Defect
}) {}

/**
 * The producer side of notify-tasks: fans a notification out into one task per (channel, target) and
 * enqueues them. Enqueueing the same notification twice is harmless (the consumer's ledger dedupes), so a
 * caller that is unsure whether it enqueued may simply enqueue again.
 */
export class NotifyOutbox extends Context.Tag("overlap/NotifyOutbox")<NotifyOutbox, {
  readonly enqueue: (
    notification: Notification
  ) => Effect.Effect<ReadonlyArray<NotifyTask>, NotificationInvalid | NotifyEnqueueError | RepositoryError>
}>() {}
