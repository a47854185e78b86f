import { Layer } from "effect"
import { parseMaxRetries } from "../domain/notify/retry"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { D1Live } from "../adapters/d1/D1Live"
import { isolateRuntimes } from "../platform/isolateRuntime"
import { notifyLayer } from "./notifyGraph"
import { WebhookSubscriptionsRepoLive } from "../adapters/d1/WebhookSubscriptionsRepoLive"
import type { DeadLetters } from "../services/DeadLetters"
import type { Notifier } from "../services/Notifier"
import type { WebhookSubscriptionsRepo } from "../services/WebhookSubscriptionsRepo"
import { notifyBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"
import { processNotifyBatch } from "../features/notify/notifyConsumer"
import { observeQueueBatch } from "../features/metrics/queueAge"
import { AnalyticsLive } from "../adapters/analytics/AnalyticsLive"
import type { Analytics } from "../services/Analytics"

// One service graph per `env` (per isolate in practice), never per batch: the DM session and the vault's
// imported keys live as long as the isolate. The subscriptions repo is for planning connector notices.
type Services = Notifier | DeadLetters | WebhookSubscriptionsRepo | Analytics
const runtimeFor = isolateRuntimes<Services, never>((env: Env) =>
  Layer.mergeAll(
    notifyLayer(env),
    WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live), Layer.provide(CloudflareEnv.layer(env))),
    AnalyticsLive.pipe(Layer.provide(CloudflareEnv.layer(env)))
  )
)

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("notify", env, notifyBindings)
    return xrpcNotImplemented(url)
  },

  async queue(batch, env) {
    await runtimeFor(env).runPromise(observeQueueBatch(batch))
    await runtimeFor(env).runPromise(processNotifyBatch(batch, {
      maxRetries: parseMaxRetries(env.NOTIFY_MAX_RETRIES),
      // Connector notices go as DMs too when there is a sender account (the only channel that reaches
      // someone without a webhook subscription: no e-mail address is stored).
      dmNotices: (env.DM_SENDER_DID ?? "") !== ""
    }))
  }
} satisfies ExportedHandler<Env>
