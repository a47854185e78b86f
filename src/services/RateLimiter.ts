import { Context, type Effect } from "effect"
import type { MethodClass, RateLimits } from "../domain/rateLimits"
import type { BucketDecision, BucketLimit } from "../domain/tokenBucket"
import { ApiError } from "./ApiError"

/** What the limiter decided for one call, with the limit it applied (for the RateLimit-* headers). */
export interface RateLimitDecision extends BucketDecision {
  readonly methodClass: MethodClass
  readonly limit: BucketLimit
}

/**
 * The limiter could not be asked (its Durable Object failed or timed out). Calls fail closed — a
 * 503, not an unlimited pass — because the limits are what keep availability queries from
 * rebuilding someone's calendar.
 */
export class RateLimiterUnavailable extends ApiError<RateLimiterUnavailable>()("RateLimiterUnavailable", 503) {}

/** Too many calls of this method class; `Retry-After` says when the next one is allowed (429). */
export class RateLimited extends ApiError<RateLimited>()("RateLimited", 429) {}

/**
 * Who a bucket belongs to. A caller DID as itself, an anonymous caller as `ip:<prefix>`
 * (`ipPrefix` in src/domain/ipPrefix.ts): the two can never collide, a DID starts with `did:`.
 */
export type RateLimitSubject = string
export const didSubject = (did: string): RateLimitSubject => did
export const ipSubject = (prefix: string): RateLimitSubject => `ip:${prefix}`

/** Token-bucket rate limits per subject and method class (limits from `RATE_LIMITS`, see src/domain/rateLimits.ts). */
export class RateLimiter extends Context.Tag("overlap/RateLimiter")<RateLimiter, {
  /** The limits in force, per method class. */
  readonly limits: RateLimits
  /** Spends `cost` (default 1) tokens of `subject`'s `methodClass` bucket, or says when to retry. */
  readonly take: (
    subject: RateLimitSubject,
    methodClass: MethodClass,
    cost?: number
  ) => Effect.Effect<RateLimitDecision, RateLimiterUnavailable>
}>() {}
