import { Effect, Layer } from "effect"
import { Analytics, analyticsWith } from "../../services/Analytics"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * `Analytics` over the `ANALYTICS` Workers Analytics Engine binding. `writeDataPoint` is
 * fire-and-forget (the runtime batches it; nothing to await); a throw — e.g. a blob over the size
 * limit — loses that point and is logged, never failing the request that reported it.
 */
export const AnalyticsLive: Layer.Layer<Analytics, never, CloudflareEnv> = Layer.effect(
  Analytics,
  Effect.map(CloudflareEnv, (env) =>
    analyticsWith((_event, point) =>
      Effect.try(() =>
        env.ANALYTICS.writeDataPoint({ indexes: [...point.indexes], blobs: [...point.blobs], doubles: [...point.doubles] })
      ).pipe(Effect.catchAll((cause) => Effect.logWarning("analytics data point dropped", String(cause.error))))
    ))
)
