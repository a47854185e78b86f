import { HttpClient, HttpClientError, type HttpClientRequest } from "@effect/platform"
import { Clock, Effect } from "effect"
import { type BucketLimit, type BucketState, take } from "../../domain/tokenBucket"
import { ProviderRateLimited, ProviderUnavailable } from "../../services/CalendarProvider"
import type { RequestQuota } from "../../services/ProviderAdapters"

/**
 * Provider quotas, kept inside UserConnectorDO (one object per user, so per-user quotas are exact). Each
 * provider's adapter states its RequestQuota (Google: 600 requests per minute per user; Microsoft Graph and
 * CalDAV: 4 requests in flight per connector):
 *
 * - a token bucket per connector, taken per HTTP request. A request waits for its token when that is a short
 *   wait; a longer wait fails the request, and the operation surfaces as ProviderRateLimited (matching turns
 *   that into a pending match, not a miss);
 * - a semaphore per connector around every request.
 */

/** How long a request may wait for its quota token before the operation is reported rate-limited. */
export const MAX_QUOTA_WAIT_MS = 2_000

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
  limit: BucketLimit,
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
export const concurrencyClient = (client: HttpClient.HttpClient, permits: number): HttpClient.HttpClient => {
  const semaphore = Effect.unsafeMakeSemaphore(permits)
  return HttpClient.transform(client, (effect) => semaphore.withPermits(1)(effect))
}

/** The client one connector sends through, bound by its provider's quota. */
export const throttledClient = (client: HttpClient.HttpClient, quota: RequestQuota): HttpClient.HttpClient =>
  quota.kind === "bucket" ? quotaClient(client, quota.limit) : concurrencyClient(client, quota.permits)

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
