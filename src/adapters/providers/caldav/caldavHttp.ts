import { FetchHttpClient, type HttpClient, HttpClientRequest, type HttpMethod } from "@effect/platform"
import { Clock, type Duration, Effect, Encoding } from "effect"
import { parseRetryAfter } from "../../../domain/calendar/retryAfter"
import {
  ConnectorBroken,
  type ProviderError,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable
} from "../../../services/CalendarProvider"
import type { OutboundGuard } from "../../../services/OutboundGuard"

/**
 * HTTP for one CalDAV connector: Basic auth with the user's app password, redirects followed by hand
 * (PROPFIND must stay PROPFIND, and the password goes only where it belongs), a timeout per request,
 * and one mapping from status codes to CalendarProvider errors.
 */

const PROVIDER = "caldav"

export type DavMethod = "PROPFIND" | "REPORT" | "GET" | "PUT" | "DELETE"

export interface DavRequest {
  readonly method: DavMethod
  readonly url: string
  readonly depth?: "0" | "1"
  /** XML for PROPFIND/REPORT, iCalendar for PUT. */
  readonly body?: string
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface DavResponse {
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The URL that answered, after redirects. */
  readonly url: string
}

export interface DavSessionConfig {
  readonly connectorId: string
  /** The server the user connected (checked with checkServerUrl); credentials go only to it and its siblings. */
  readonly serverUrl: URL
  readonly username: string
  readonly password: string
  readonly requestTimeout?: Duration.DurationInput
  /** Every URL is checked before it is requested, redirects included: no private, loopback or metadata address. */
  readonly outbound: OutboundGuard["Type"]
}

export const DEFAULT_DAV_TIMEOUT: Duration.DurationInput = "20 seconds"
const MAX_REDIRECTS = 5
/** When a 429 carries no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 60_000

const isLoopback = (url: URL): boolean =>
  url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)

/**
 * Only https, except on the loopback interface (local servers in development and tests): an app password
 * must not cross a network in the clear.
 */
export const checkServerUrl = (text: string, connectorId: string): Effect.Effect<URL, ConnectorBroken> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return Effect.fail(new ConnectorBroken({ provider: PROVIDER, connectorId, reason: "the CalDAV server URL is not a URL" }))
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url))) return Effect.succeed(url)
  return Effect.fail(new ConnectorBroken({ provider: PROVIDER, connectorId, reason: "the CalDAV server URL must use https" }))
}

/**
 * The parent of a host when it is plausibly one organisation's domain: "p42-caldav.icloud.com" →
 * "icloud.com". Undefined for short hosts and for public-suffix-looking parents ("co.uk", "com.au"):
 * without a public suffix list, refusing is the safe side.
 */
const parentDomain = (host: string): string | undefined => {
  const labels = host.split(".")
  if (labels.length < 3) return undefined
  const parent = labels.slice(1)
  if (parent.length === 2 && parent[1]!.length === 2 && parent[0]!.length <= 3) return undefined
  return parent.join(".")
}

/**
 * Whether credentials may follow a redirect from `from` to `to`: same origin, or an https sibling host
 * under the same parent domain (iCloud sends every account to its own "pNN-caldav.icloud.com").
 */
export const mayCarryCredentials = (from: URL, to: URL): boolean => {
  if (from.origin === to.origin) return true
  if (to.protocol !== "https:") return false
  const parent = parentDomain(from.hostname)
  return parent !== undefined && (to.hostname === parent || to.hostname.endsWith(`.${parent}`))
}

export interface DavSession {
  /** Sends one request; never fails on a status, only on transport failure, timeout or a bad redirect. */
  readonly send: (request: DavRequest) => Effect.Effect<DavResponse, ProviderUnavailable | ConnectorBroken>
  /** The CalendarProvider error a non-success response means. */
  readonly failure: (response: DavResponse, what: string) => Effect.Effect<never, ProviderError>
}

export const makeDavSession = (client: HttpClient.HttpClient, config: DavSessionConfig): DavSession => {
  const authorization = `Basic ${Encoding.encodeBase64(`${config.username}:${config.password}`)}`
  const timeout = config.requestTimeout ?? DEFAULT_DAV_TIMEOUT
  const broken = (reason: string) => new ConnectorBroken({ provider: PROVIDER, connectorId: config.connectorId, reason })
  // a refused URL is never requested, so nothing it would answer can reach anyone
  const allowed = (url: URL) =>
    config.outbound.check(url.href).pipe(
      Effect.mapError((refused) =>
        refused.transient
          ? new ProviderUnavailable({ provider: PROVIDER, cause: new Error(`the CalDAV server's ${refused.message}`) })
          : broken(`the CalDAV server's ${refused.message}`)
      )
    )

  const sendOnce = (
    request: DavRequest,
    url: URL,
    withCredentials: boolean
  ): Effect.Effect<DavResponse, ProviderUnavailable> => {
    const headers: Record<string, string> = { ...request.headers }
    if (withCredentials) headers["authorization"] = authorization
    if (request.depth !== undefined) headers["depth"] = request.depth
    // HttpMethod lists only the RFC 9110 methods; fetch (Node and workerd) sends WebDAV's as given.
    let http = HttpClientRequest.make(request.method as HttpMethod.HttpMethod)(url.href).pipe(HttpClientRequest.setHeaders(headers))
    if (request.body !== undefined) {
      http = HttpClientRequest.bodyText(http, request.body, request.contentType ?? "application/xml; charset=utf-8")
    }
    return Effect.gen(function*() {
      const response = yield* client.execute(http)
      const body = yield* response.text
      return { status: response.status, headers: response.headers, body, url: url.href } satisfies DavResponse
    }).pipe(
      // A server that answers before reading the request body (Radicale's 301 for /.well-known/caldav) closes the
      // keep-alive connection; workerd may have sent the next request on it already ("Network connection lost").
      // Every request here is safe to send again (reads, conditional PUTs, DELETE): one retry on a transport error.
      Effect.retry({ times: 1, while: (error) => error._tag === "RequestError" && error.reason === "Transport" }),
      // Redirects are ours to follow (fetch would follow them with the method and credentials unchecked).
      Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" }),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new ProviderUnavailable({ provider: PROVIDER, cause: new Error(`${request.method} ${url.pathname} timed out`) })
      }),
      Effect.catchTags({
        RequestError: (cause) => Effect.fail(new ProviderUnavailable({ provider: PROVIDER, cause })),
        ResponseError: (cause) => Effect.fail(new ProviderUnavailable({ provider: PROVIDER, cause }))
      })
    )
  }

  const send = (request: DavRequest): Effect.Effect<DavResponse, ProviderUnavailable | ConnectorBroken> =>
    Effect.gen(function*() {
      const origin = yield* checkServerUrl(request.url, config.connectorId)
      yield* allowed(origin)
      // A URL from a stored HoldRef or a server's href must not pull the password to another host.
      if (!mayCarryCredentials(config.serverUrl, origin)) {
        return yield* broken(`refusing to send the CalDAV credentials to ${origin.host}`)
      }
      let url = origin
      let withCredentials = true
      for (let hop = 0; ; hop++) {
        const response: DavResponse = yield* sendOnce(request, url, withCredentials)
        const location: string | undefined = response.headers["location"]
        if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response
        if (hop >= MAX_REDIRECTS) return yield* broken(`more than ${MAX_REDIRECTS} redirects from ${origin.pathname}`)
        const next: URL = yield* checkServerUrl(new URL(location, url).href, config.connectorId)
        yield* allowed(next)
        withCredentials = withCredentials && mayCarryCredentials(url, next)
        url = next
      }
    })

  const failure = (response: DavResponse, what: string): Effect.Effect<never, ProviderError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<never, ProviderError> => {
      const status = response.status
      const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
      if (status === 401 || status === 403) {
        return Effect.fail(broken(`the CalDAV server refused the credentials (${status}) for ${what}`))
      }
      if (status === 429) return Effect.fail(new ProviderRateLimited({ provider: PROVIDER, retryAfterMs: retryAfter ?? DEFAULT_RETRY_AFTER_MS }))
      if (status === 503 && retryAfter !== undefined) return Effect.fail(new ProviderRateLimited({ provider: PROVIDER, retryAfterMs: retryAfter }))
      if (status >= 500 || status === 408) {
        return Effect.fail(new ProviderUnavailable({ provider: PROVIDER, cause: new Error(`${what}: HTTP ${status}`) }))
      }
      // The server's body is not quoted: it may echo calendar data.
      return Effect.fail(new ProviderRejected({ provider: PROVIDER, status, message: `${what}: HTTP ${status}` }))
    })

  return { send, failure }
}
