import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { DmTask, EmailTask, WebhookTask } from "../domain/notify/task"

/**
 * The ways the Notifier reaches a person. Each channel sends one task and says how it went; deduplication,
 * the ledger and retries are the Notifier's and the consumer's, not a channel's.
 */

/** A send did not go through. `retryable`: timeouts, throttling, 5xx, transient platform errors. */
export class SendFailed extends Schema.TaggedError<SendFailed>()("SendFailed", {
  reason: Schema.String,
  retryable: Schema.Boolean,
  /** What the far end asked for (Retry-After), in seconds. */
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {}

/** `skipped`: there is nothing to send to any more (e.g. the webhook subscription was deleted or disabled). */
export type SendResult = "sent" | "skipped"

/** E-mail through Cloudflare's send_email binding, with the invitation attached. */
export class EmailChannel extends Context.Tag("overlap/EmailChannel")<EmailChannel, {
  readonly send: (task: EmailTask) => Effect.Effect<SendResult, SendFailed>
}>() {}

/** Standard-Webhooks-signed POST to a subscription's URL. */
export class WebhookChannel extends Context.Tag("overlap/WebhookChannel")<WebhookChannel, {
  readonly send: (task: WebhookTask) => Effect.Effect<SendResult, SendFailed>
}>() {}

/** Bluesky DM from the configured sender account, through its PDS and the chat service. */
export class DmChannel extends Context.Tag("overlap/DmChannel")<DmChannel, {
  readonly send: (task: DmTask) => Effect.Effect<SendResult, SendFailed>
}>() {}
