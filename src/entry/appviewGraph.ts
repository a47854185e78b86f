import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { CloudflareEnv, type Env } from "../layers/CloudflareEnv"
import { HoldStoreLive } from "../layers/HoldStoreLive"
import { IdentityResolverLive } from "../layers/IdentityResolverLive"
import { RepositoriesLive } from "../layers/RepositoriesLive"
import { ServiceAuthLive } from "../layers/ServiceAuthLive"
import { AnalyticsLive } from "../layers/AnalyticsLive"
import { RateLimiterLive } from "../layers/RateLimiterLive"
import { SocialGraphLive } from "../layers/SocialGraphLive"
import { TurnstileLive } from "../layers/TurnstileLive"
import { indexerLayer } from "../jobs/indexerLayer"

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
  return Layer.mergeAll(repositories, identity, auth, indexerLayer(env), holds, rateLimiter, graph, turnstile, analytics)
}
