import { Effect, Layer, ParseResult, Schema } from "effect"
import { Notification, planTasks } from "../../domain/notify/plan"
import { NotificationInvalid, NotifyEnqueueError, NotifyOutbox } from "../../services/NotifyOutbox"
import { WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** Queues take at most 100 messages per sendBatch. */
const BATCH = 100

/** Validates a notification and plans its tasks against the recipients' active webhook subscriptions. */
export const planNotification = (input: Notification) =>
  Effect.gen(function*() {
    const notification = yield* Schema.validate(Notification)(input).pipe(
      Effect.mapError((e) => new NotificationInvalid({ message: ParseResult.TreeFormatter.formatErrorSync(e) }))
    )
    const repo = yield* WebhookSubscriptionsRepo
    const active = new Map<string, ReadonlyArray<string>>()
    for (const r of notification.recipients) {
      const subscriptions = yield* repo.listForDid(r.did)
      active.set(r.did, subscriptions.filter((s) => s.disabledAt === null).map((s) => s.id))
    }
    return planTasks(notification, (did) => active.get(did) ?? [])
  })

/** NotifyOutbox over the `NOTIFY_TASKS` queue and the webhook subscriptions in D1. */
export const NotifyOutboxLive: Layer.Layer<NotifyOutbox, never, CloudflareEnv | WebhookSubscriptionsRepo> = Layer.effect(
  NotifyOutbox,
  Effect.gen(function*() {
    const { NOTIFY_TASKS } = yield* CloudflareEnv
    const repo = yield* WebhookSubscriptionsRepo
    return NotifyOutbox.of({
      enqueue: (input) =>
        Effect.gen(function*() {
          const tasks = yield* planNotification(input)
          for (let i = 0; i < tasks.length; i += BATCH) {
            const chunk = tasks.slice(i, i + BATCH).map((body) => ({ body, contentType: "json" as const }))
            yield* Effect.tryPromise({ try: () => NOTIFY_TASKS.sendBatch(chunk), catch: (cause) => new NotifyEnqueueError({ cause }) })
          }
          return tasks
        }).pipe(Effect.provideService(WebhookSubscriptionsRepo, repo))
    })
  })
)
