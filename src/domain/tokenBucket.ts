/**
 * Token buckets, the arithmetic only (shared by `RateLimiterDO` and the in-memory `RateLimiter` Test
 * layer so both refuse the same calls at the same instants).
 *
 * A bucket holds up to `capacity` tokens and gains `refillPerSecond` tokens per second, continuously.
 * The stored state is the token count as a float and the instant it was last brought up to date:
 * refilling computes from the exact elapsed milliseconds and never rounds, so many small refills
 * add up to exactly one big one (no drift).
 */

export interface BucketLimit {
  /** The most tokens the bucket holds: the burst a caller may spend at once. */
  readonly capacity: number
  /** Tokens regained per second (fractional is fine: 0.01 = one call per 100 s). */
  readonly refillPerSecond: number
}

export interface BucketState {
  /** Tokens available at `updatedMs`; a float, never rounded. */
  readonly tokens: number
  /** Epoch ms the token count was computed for. */
  readonly updatedMs: number
}

export interface BucketDecision {
  readonly allowed: boolean
  /** Whole tokens left after this call (what `RateLimit-Remaining` reports). */
  readonly remaining: number
  /** 0 when allowed; otherwise ms until `cost` tokens are available again. */
  readonly retryAfterMs: number
  /** Ms until the bucket is full again (what `RateLimit-Reset` reports). */
  readonly resetMs: number
}

// Float error in `tokens + elapsed * rate` can leave 0.9999999999 where exact arithmetic gives 1;
// a millionth of a token of tolerance keeps that from refusing a call that is due.
const EPSILON = 1e-6

/** A limit the arithmetic can work with: positive, finite numbers. */
export const isValidLimit = (limit: BucketLimit): boolean =>
  Number.isFinite(limit.capacity) && limit.capacity > 0 && Number.isFinite(limit.refillPerSecond) && limit.refillPerSecond > 0

/** The bucket at `nowMs`: refilled for the time since `state.updatedMs`, capped at capacity. A new bucket is full. */
export const refill = (state: BucketState | undefined, limit: BucketLimit, nowMs: number): BucketState => {
  if (state === undefined) return { tokens: limit.capacity, updatedMs: nowMs }
  // A clock that steps backwards neither refills nor drains; the bucket waits for time to catch up.
  const elapsedMs = Math.max(0, nowMs - state.updatedMs)
  const tokens = Math.min(limit.capacity, state.tokens + (elapsedMs * limit.refillPerSecond) / 1000)
  return { tokens, updatedMs: Math.max(nowMs, state.updatedMs) }
}

const msToGain = (tokens: number, limit: BucketLimit): number =>
  tokens <= EPSILON ? 0 : Math.ceil((tokens * 1000) / limit.refillPerSecond)

/**
 * Takes `cost` tokens at `nowMs` if the bucket has them. A refused call takes nothing, so a caller
 * that keeps retrying too early is not pushed further back. `cost` above `capacity` can never be
 * allowed (its retryAfterMs is Infinity).
 */
export const take = (
  state: BucketState | undefined,
  limit: BucketLimit,
  cost: number,
  nowMs: number
): { readonly state: BucketState; readonly decision: BucketDecision } => {
  const current = refill(state, limit, nowMs)
  const allowed = current.tokens + EPSILON >= cost
  const tokens = allowed ? Math.max(0, current.tokens - cost) : current.tokens
  const next: BucketState = { tokens, updatedMs: current.updatedMs }
  return {
    state: next,
    decision: {
      allowed,
      remaining: Math.max(0, Math.floor(tokens + EPSILON)),
      retryAfterMs: allowed ? 0 : cost > limit.capacity ? Number.POSITIVE_INFINITY : msToGain(cost - tokens, limit),
      resetMs: msToGain(limit.capacity - tokens, limit)
    }
  }
}

/** True when the bucket has refilled completely by `nowMs`: it is then the same as no bucket at all. */
export const isFull = (state: BucketState, limit: BucketLimit, nowMs: number): boolean =>
  refill(state, limit, nowMs).tokens + EPSILON >= limit.capacity
