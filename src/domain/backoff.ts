/**
 * Exponential backoff, the one formula every retry uses: the wait after failed attempt `attempt` (1-based, as a
 * queue message's `attempts`) is `base · 2^(attempt − 1)`, never more than `cap`. Units are the caller's.
 */
export interface Backoff {
  readonly base: number
  readonly cap: number
}

export const backoffDelay = (backoff: Backoff, attempt: number): number =>
  Math.min(backoff.cap, backoff.base * 2 ** Math.max(0, Math.floor(attempt) - 1))

/**
 * Spreads retries that failed together ("equal jitter"): somewhere in [delay / 2, delay), `random` being a
 * uniform draw from [0, 1).
 */
export const withJitter = (delay: number, random: number): number => delay / 2 + random * (delay / 2)
