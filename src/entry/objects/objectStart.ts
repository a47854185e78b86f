import { Effect } from "effect"
import { AnalyticsLive } from "../../adapters/analytics/AnalyticsLive"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { Analytics } from "../../services/Analytics"

/**
 * Counts one constructor run of a Durable Object (`do_restart`, docs/operations.md): a new instance after first use,
 * eviction, a deploy or a crash. Kept alive by the object's `waitUntil`; never throws into the constructor.
 */
export const recordObjectStart = (ctx: DurableObjectState, env: Env, className: string): void => {
  try {
    ctx.waitUntil(Effect.runPromise(
      Effect.flatMap(Analytics, (analytics) => analytics.objectStart(className)).pipe(
        Effect.provide(AnalyticsLive),
        Effect.provide(CloudflareEnv.layer(env))
      )
    ))
  } catch {
    // a missing binding in an odd test env: the count is lost, the object still starts
  }
}
