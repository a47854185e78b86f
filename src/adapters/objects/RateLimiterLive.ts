import { Duration, Effect, Either, Layer } from "effect"
import { parseRateLimits } from "../../domain/rateLimits"
import { RateLimiter, RateLimiterUnavailable } from "../../services/RateLimiter"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** A limiter that has not answered in this long is unavailable (the call fails closed). */
const TAKE_TIMEOUT = Duration.seconds(2)

/**
 * `RateLimiter` over the `RATE_LIMITER` Durable Object namespace: one object per subject (its name),
 * one bucket per method class inside it. Limits come from the `RATE_LIMITS` var merged over the
 * defaults; a `RATE_LIMITS` that does not parse stops the graph from building (a deploy-time error,
 * not silently different limits).
 */
export const RateLimiterLive: Layer.Layer<RateLimiter, never, CloudflareEnv> = Layer.effect(
  RateLimiter,
  Effect.gen(function* () {
    const env = yield* CloudflareEnv
    const limits = yield* Either.match(parseRateLimits(env.RATE_LIMITS), {
      onLeft: (message) => Effect.dieMessage(message),
      onRight: Effect.succeed
    })
    const namespace = env.RATE_LIMITER
    return RateLimiter.of({
      limits,
      take: (subject, methodClass, cost = 1) => {
        const limit = limits[methodClass]
        return Effect.tryPromise({
          try: () => namespace.get(namespace.idFromName(subject)).take(methodClass, { ...limit, cost }),
          catch: (cause) => new RateLimiterUnavailable({ message: `rate limiter: ${String(cause)}` })
        }).pipe(
          Effect.timeoutFail({ duration: TAKE_TIMEOUT, onTimeout: () => new RateLimiterUnavailable({ message: "rate limiter did not answer in time" }) }),
          Effect.map((decision) => ({ ...decision, methodClass, limit }))
        )
      }
    })
  })
)
