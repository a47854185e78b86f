import { Clock, Effect, Layer, Ref } from "effect"
import { defaultRateLimits, type MethodClass, type RateLimits } from "../../domain/rateLimits"
import { type BucketState, take } from "../../domain/tokenBucket"
import { RateLimiter } from "../../services/RateLimiter"

/**
 * In-memory `RateLimiter` with the Durable Object's arithmetic (src/domain/tokenBucket.ts), on
 * Effect's `Clock` so a test can move time with `TestClock`. Fresh buckets per build.
 */
export const makeRateLimiterTest = (overrides: Partial<Record<MethodClass, RateLimits[MethodClass]>> = {}): Layer.Layer<RateLimiter> =>
  Layer.effect(
    RateLimiter,
    Effect.gen(function* () {
      const limits: RateLimits = { ...defaultRateLimits, ...overrides }
      const buckets = yield* Ref.make(new Map<string, BucketState>())
      return RateLimiter.of({
        limits,
        take: (subject, methodClass, cost = 1) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Ref.modify(buckets, (map) => {
              const key = JSON.stringify([subject, methodClass])
              const limit = limits[methodClass]
              const { decision, state } = take(map.get(key), limit, cost, now)
              const next = new Map(map).set(key, state)
              return [{ ...decision, methodClass, limit }, next] as const
            }))
      })
    })
  )

export const RateLimiterTest = makeRateLimiterTest()
