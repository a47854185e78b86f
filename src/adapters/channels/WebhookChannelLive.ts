import { Clock, Effect, Layer, Option } from "effect"
import { webhookPayload } from "../../domain/notify/render"
import { signWebhook } from "../../domain/notify/standardWebhooks"
import type { WebhookTask } from "../../domain/notify/task"
import { SendFailed, WebhookChannel } from "../../services/NotifyChannels"
import { OutboundGuard } from "../../services/OutboundGuard"
import { TokenVault } from "../../services/TokenVault"
import { openSecret } from "../../services/WebhookSubscriptions"
import { WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"
import { DEFAULT_REQUEST_TIMEOUT_MS, failureOf, fetchWithTimeout } from "./notifyHttp"

export interface WebhookChannelOptions {
  readonly timeoutMs?: number
}

/**
 * Webhook deliveries per Standard Webhooks: the subscription's URL and secret are read at send time (a deleted
 * or disabled subscription is skipped), the body is the `{ type, timestamp, data }` JSON, signed with the
 * subscription's secret, `webhook-id` = the notification id (the receiver's idempotency key), and a fresh
 * `webhook-timestamp` on every attempt. Redirects are not followed. A 410 Gone disables the subscription.
 */
export const makeWebhookChannel = (options: WebhookChannelOptions = {}) =>
  Effect.gen(function*() {
    const repo = yield* WebhookSubscriptionsRepo
    const vault = yield* TokenVault
    const outbound = yield* OutboundGuard
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS

    const send = (task: WebhookTask) =>
      Effect.gen(function*() {
        const found = yield* repo.get(task.target).pipe(
          Effect.mapError((e) => new SendFailed({ reason: `subscription lookup: ${e.operation}`, retryable: true }))
        )
        // A subscription only ever receives its owner's notifications.
        if (Option.isNone(found) || found.value.disabledAt !== null || found.value.did !== task.recipientDid) {
          return "skipped" as const
        }
        const subscription = found.value
        const secret = yield* openSecret(subscription).pipe(
          Effect.provideService(TokenVault, vault),
          Effect.mapError((e) => new SendFailed({ reason: `subscription secret: ${e._tag}`, retryable: e._tag !== "VaultDecryptFailed" }))
        )
        // checked again at every send: a name that resolved outside when it was registered may point inside now
        yield* outbound.check(subscription.url).pipe(
          Effect.mapError((refused) => new SendFailed({ reason: refused.message, retryable: refused.transient }))
        )
        const now = yield* Clock.currentTimeMillis
        const body = JSON.stringify(webhookPayload(task, now))
        const signed = yield* Effect.promise(() => signWebhook(secret, task.id, now / 1000, body))
        const response = yield* fetchWithTimeout("webhook", subscription.url, {
          method: "POST",
          headers: { ...signed, "content-type": "application/json", "user-agent": "Overlap-Webhooks/1" },
          body,
          redirect: "manual"
        }, timeoutMs)
        if (response.ok) {
          yield* Effect.promise(() => response.body?.cancel() ?? Promise.resolve())
          return "sent" as const
        }
        if (response.status === 410) {
          yield* repo.disable(subscription.id, "the endpoint answered 410 Gone").pipe(Effect.ignore)
        }
        return yield* Effect.flip(failureOf("webhook", response, timeoutMs))
      })

    return WebhookChannel.of({ send })
  })

export const webhookChannelLayer = (
  options: WebhookChannelOptions = {}
): Layer.Layer<WebhookChannel, never, WebhookSubscriptionsRepo | TokenVault | OutboundGuard> =>
  Layer.effect(WebhookChannel, makeWebhookChannel(options))

export const WebhookChannelLive = webhookChannelLayer()
