import { backoffDelay } from "../backoff"

/**
 * Retry policy of the notify-tasks consumer. The queue's `max_retries` (wrangler.notify.toml, mirrored in
 * the NOTIFY_MAX_RETRIES var) bounds the deliveries of one message to 1 + max_retries; the consumer gives
 * up on the last one itself, so the dead letter carries the last error.
 */

export const BASE_DELAY_SECONDS = 30
/** Queues accept delays up to 12 h; an hour keeps 8 retries within about 2 h in total. */
export const MAX_DELAY_SECONDS = 3600
export const DEFAULT_MAX_RETRIES = 8

/**
 * Exponential backoff for the retry after delivery number `attempt` (1-based, as `message.attempts`):
 * 30 s, 60 s, 120 s, … capped at an hour, and never sooner than a server's Retry-After.
 */
export const backoffSeconds = (attempt: number, retryAfterSeconds?: number): number => {
  const exponential = backoffDelay({ base: BASE_DELAY_SECONDS, cap: MAX_DELAY_SECONDS }, attempt)
  return Math.min(MAX_DELAY_SECONDS, Math.max(exponential, Math.ceil(retryAfterSeconds ?? 0)))
}

/** Delivery number `attempt` is the last the queue will make: a failure now is final. */
export const isFinalAttempt = (attempt: number, maxRetries: number): boolean => attempt > maxRetries

/** `NOTIFY_MAX_RETRIES` as a number, or the default when unset or malformed. */
export const parseMaxRetries = (value: string | undefined): number => {
  const n = value === undefined ? NaN : Number(value)
  return Number.isInteger(n) && n >= 0 && n <= 100 ? n : DEFAULT_MAX_RETRIES
}

/** What an HTTP status means for a delivery: done, worth retrying (timeouts, throttling, 5xx) or permanent. */
export const classifyStatus = (status: number): "ok" | "retryable" | "permanent" =>
  status >= 200 && status < 300
    ? "ok"
    : status === 408 || status === 425 || status === 429 || status >= 500
    ? "retryable"
    : "permanent"

/** Retry-After as seconds (delta-seconds or an HTTP date), or undefined. */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}
