import { Effect, Layer, Ref } from "effect"
import type { NotifyTask } from "../../domain/notify/task"
import { type NotificationInvalid, NotifyOutbox } from "../../services/NotifyOutbox"
import type { RepositoryError } from "../../services/RepositoryError"
import { WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"
import { planNotification } from "../queues/NotifyOutboxLive"

/** NotifyOutbox that keeps the planned tasks in memory; `enqueued` lists them. Fresh per call. */
export const makeNotifyOutboxTest = Effect.gen(function*() {
  const enqueued = yield* Ref.make<ReadonlyArray<NotifyTask>>([])
  const layer: Layer.Layer<NotifyOutbox, never, WebhookSubscriptionsRepo> = Layer.effect(
    NotifyOutbox,
    Effect.map(WebhookSubscriptionsRepo, (repo) =>
      NotifyOutbox.of({
        enqueue: (input): Effect.Effect<ReadonlyArray<NotifyTask>, NotificationInvalid | RepositoryError> =>
          planNotification(input).pipe(
            Effect.tap((tasks) => Ref.update(enqueued, (all) => [...all, ...tasks])),
            Effect.provideService(WebhookSubscriptionsRepo, repo)
          )
      }))
  )
  return { layer, enqueued: Ref.get(enqueued) }
})
