import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { CloudflareEnv, type Env } from "../layers/CloudflareEnv"
import { HoldStoreLive } from "../layers/HoldStoreLive"
import { BookingLifecycleLive } from "../layers/booking/BookingLifecycleLive"
import { IdentityResolverLive } from "../layers/IdentityResolverLive"
import { RepositoriesLive } from "../layers/RepositoriesLive"
import { ServiceAuthLive } from "../layers/ServiceAuthLive"
import { AnalyticsLive } from "../layers/AnalyticsLive"
import { RateLimiterLive } from "../layers/RateLimiterLive"
import { SocialGraphLive } from "../layers/SocialGraphLive"
import { TurnstileLive } from "../layers/TurnstileLive"
import { indexerLayer } from "../jobs/indexerLayer"
import { connectorServices } from "../layers/connectors/connectorsGraph"
import { D1Live } from "../layers/D1Live"
import { WebhookSubscriptionsRepoLive } from "../layers/WebhookSubscriptionsRepoLive"

/** The AppView's service graph over the worker's bindings: built once per `env`. */
export const appviewLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const identity = IdentityResolverLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const auth = ServiceAuthLive.pipe(Layer.provide(Layer.mergeAll(root, identity, repositories)))
  const holds = HoldStoreLive.pipe(Layer.provide(root))
  const rateLimiter = RateLimiterLive.pipe(Layer.provide(root))
  const graph = SocialGraphLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const turnstile = TurnstileLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const analytics = AnalyticsLive.pipe(Layer.provide(root))
  const connectors = connectorServices(env, repositories)
  const lifecycle = BookingLifecycleLive.pipe(Layer.provide(root))
  // app.overlap.webhook.* (src/api/webhooks/SubscriptionsHttp.ts): the subscriptions repo; root for ENVIRONMENT
  const webhookSubscriptions = WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live.pipe(Layer.provide(root))))
  return Layer.mergeAll(root, repositories, identity, auth, indexerLayer(env), holds, rateLimiter, graph, turnstile, analytics, connectors, lifecycle, webhookSubscriptions)
}
