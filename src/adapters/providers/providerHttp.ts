import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect } from "effect"
import { parseRetryAfter } from "../../domain/calendar/retryAfter"
import { ConnectorBroken, ProviderRateLimited, ProviderUnavailable } from "../../services/CalendarProvider"
import type { AccessTokenGetter } from "../../services/ConnectorCalendar"

/**
 * The one way Overlap talks HTTP to a calendar provider: JSON or form bodies out, status + headers + parsed
 * JSON back, transport failures and timeouts as ProviderUnavailable. Deciding what a status means is the
 * caller's job (each provider words its errors differently).
 */

export type ProviderName = "google" | "microsoft"

export interface ProviderRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE"
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly json?: unknown
  readonly form?: Readonly<Record<string, string>>
}

export interface ProviderResponse {
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: unknown
}

export const DEFAULT_REQUEST_TIMEOUT: Duration.DurationInput = "15 seconds"

const parseJson = (text: string): unknown => {
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const toHttpRequest = (request: ProviderRequest): HttpClientRequest.HttpClientRequest => {
  let http = HttpClientRequest.make(request.method)(request.url).pipe(
    HttpClientRequest.setHeaders({ accept: "application/json", ...request.headers })
  )
  if (request.json !== undefined) http = HttpClientRequest.bodyUnsafeJson(http, request.json)
  else if (request.form !== undefined) http = HttpClientRequest.bodyUrlParams(http, request.form)
  return http
}

/** Sends one request. Never fails on an HTTP status; fails with ProviderUnavailable on transport error or timeout. */
export const sendProviderRequest = (
  client: HttpClient.HttpClient,
  provider: ProviderName,
  request: ProviderRequest,
  timeout: Duration.DurationInput = DEFAULT_REQUEST_TIMEOUT
): Effect.Effect<ProviderResponse, ProviderUnavailable> =>
  Effect.gen(function* () {
    const response = yield* client.execute(toHttpRequest(request))
    const text = yield* response.text
    return { status: response.status, headers: response.headers, body: parseJson(text) }
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new ProviderUnavailable({ provider, cause: new Error(`${request.method} ${request.url} timed out`) })
    }),
    Effect.catchTags({
      RequestError: (cause) => Effect.fail(new ProviderUnavailable({ provider, cause })),
      ResponseError: (cause) => Effect.fail(new ProviderUnavailable({ provider, cause }))
    })
  )

/**
 * Sends `build(token)` with the connector's access token; on 401 asks for a refreshed token once and sends
 * again. A second 401 means the grant no longer works: ConnectorBroken, never a silent failure.
 */
export const sendAuthorized = (
  provider: ProviderName,
  connectorId: string,
  getAccessToken: AccessTokenGetter,
  send: (accessToken: string) => Effect.Effect<ProviderResponse, ProviderUnavailable>
): Effect.Effect<ProviderResponse, ProviderUnavailable | ConnectorBroken> =>
  Effect.gen(function* () {
    const first = yield* send(yield* getAccessToken(false))
    if (first.status !== 401) return first
    const second = yield* send(yield* getAccessToken(true))
    if (second.status !== 401) return second
    return yield* new ConnectorBroken({ provider, connectorId, reason: "the provider refused a freshly refreshed access token" })
  })

/** ProviderRateLimited from a response's Retry-After (or `fallbackMs` when it has none). */
export const rateLimited = (provider: ProviderName, response: ProviderResponse, fallbackMs: number): Effect.Effect<ProviderRateLimited> =>
  Clock.currentTimeMillis.pipe(
    Effect.map((now) => new ProviderRateLimited({ provider, retryAfterMs: parseRetryAfter(response.headers["retry-after"], now) ?? fallbackMs }))
  )

export const isServerError = (status: number): boolean => status >= 500 || status === 408

export const unavailable = (provider: ProviderName, response: ProviderResponse, what: string): ProviderUnavailable =>
  new ProviderUnavailable({ provider, cause: new Error(`${what}: HTTP ${response.status}`) })

/** What a provider's API client is built with: the connector, its access-token getter, the base URL when one is configured. */
export const apiOptionsFor = (connectorId: string, getAccessToken: AccessTokenGetter, apiBase: string | undefined) => ({
  connectorId,
  getAccessToken,
  ...(apiBase === undefined ? {} : { apiBase })
})
