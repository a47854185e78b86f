import { Effect, Layer } from "effect"
import { Analytics, analyticsWith } from "../../services/Analytics"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { writeDataPoint } from "./dataPointWriter"

/**
 * `Analytics` over the `ANALYTICS` Workers Analytics Engine binding (and, in development, the local record in D1:
 * `writeDataPoint`). `writeDataPoint` is fire-and-forget; a throw — e.g. a blob over the size limit — loses that
 * point and is logged, never failing the request that reported it.
 */
export const AnalyticsLive: Layer.Layer<Analytics, never, CloudflareEnv> = Layer.effect(
  Analytics,
  Effect.map(CloudflareEnv, (env) => analyticsWith((_event, point) => writeDataPoint(env, point)))
)
