import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { ConnectorNotices, NoticeEnqueueError } from "../../services/ConnectorNotices"

/**
 * ConnectorNotices over the `NOTIFY_TASKS` queue, as the notice itself: the notify consumer plans its deliveries
 * when it arrives (src/features/notify/notifyConsumer.ts), against the subscriptions as they are then.
 */
export const ConnectorNoticesLive: Layer.Layer<ConnectorNotices, never, CloudflareEnv> = Layer.effect(
  ConnectorNotices,
  Effect.map(CloudflareEnv, (env) =>
    ConnectorNotices.of({
      send: (notice) =>
        Effect.tryPromise({
          try: () => env.NOTIFY_TASKS.send(notice, { contentType: "json" }),
          catch: (cause) => new NoticeEnqueueError({ cause })
        })
    }))
)
