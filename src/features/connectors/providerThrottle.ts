import { HttpClient, HttpClientError, type HttpClientRequest } from "@effect/platform"
import { Clock, Effect } from "effect"
import { type BucketLimit, type BucketState, take } from "../../domain/tokenBucket"
import { ProviderRateLimited, ProviderUnavailable } from "../../services/CalendarProvider"

/**
 * Provider quotas, kept inside UserConnectorDO (one object per user, so per-user quotas are exact):
 *
 * - Google Calendar: 600 requests per minute per user → a token bucket per connector, taken per HTTP
 *   request. A request waits for its token when that is a short wait; a longer wait fails the request, and
 *   the operation surfaces as ProviderRateLimited (matching turns that into a pending match, not a miss).
 * - Microsoft Graph: 4 concurrent requests per mailbox → a semaphore per connector around every request.
 */

export const GOOGLE_USER_QUOTA: BucketLimit = { capacity: 600, refillPerSecond: 10 }
/** How long a request may wait for its quota token before the operation is reported rate-limited. */
export const MAX_QUOTA_WAIT_MS = 2_000
export const GRAPH_MAILBOX_CONCURRENCY = 4

/** The cause carried by a request the local quota refused (see `rateLimitedByQuota`). */
export class QuotaExhausted extends Error {
  override readonly name = "QuotaExhausted"
  constructor(readonly retryAfterMs: number) {
    super(`the per-user quota is used up for ${retryAfterMs} ms`)
  }
}

/** An HttpClient that spends one token of `bucket` per request (waiting up to MAX_QUOTA_WAIT_MS for it). */
export const quotaClient = (
  client: HttpClient.HttpClient,
  limit: BucketLimit = GOOGLE_USER_QUOTA,
  maxWaitMs: number = MAX_QUOTA_WAIT_MS
): HttpClient.HttpClient => {
  let state: BucketState | undefined
  const acquire = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<void, HttpClientError.RequestError> =>
    Effect.gen(function*() {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const { decision, state: next } = take(state, limit, 1, now)
        state = next
        if (decision.allowed) return
        if (decision.retryAfterMs > maxWaitMs) {
          return yield* new HttpClientError.RequestError({ request, reason: "Transport", cause: new QuotaExhausted(decision.retryAfterMs) })
        }
        yield* Effect.sleep(decision.retryAfterMs)
      }
    })
  return HttpClient.transform(client, (effect, request) => Effect.zipRight(acquire(request), effect))
}

/** An HttpClient that lets at most `permits` requests be in flight at once. */
export const concurrencyClient = (client: HttpClient.HttpClient, permits: number = GRAPH_MAILBOX_CONCURRENCY): HttpClient.HttpClient => {
  const semaphore = Effect.unsafeMakeSemaphore(permits)
  return HttpClient.transform(client, (effect) => semaphore.withPermits(1)(effect))
}

const quotaOf = (cause: unknown, depth = 0): QuotaExhausted | undefined => {
  if (depth > 4 || cause === null || typeof cause !== "object") return undefined
  if (cause instanceof QuotaExhausted) return cause
  return quotaOf((cause as { cause?: unknown }).cause, depth + 1)
}

/** Turns "the local quota refused a request" (a ProviderUnavailable with a QuotaExhausted cause) into ProviderRateLimited. */
export const rateLimitedByQuota = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ProviderRateLimited, R> =>
  Effect.catchIf(
    effect,
    (error): error is E & ProviderUnavailable => error instanceof ProviderUnavailable && quotaOf(error.cause) !== undefined,
    (error) => Effect.fail(new ProviderRateLimited({ provider: error.provider, retryAfterMs: quotaOf(error.cause)!.retryAfterMs }))
  )
