import { HttpApiBuilder, HttpApp, HttpServer } from "@effect/platform"
import { Effect, Layer } from "effect"
import { type Admission, defaultAdmission, makeAdmission } from "../domain/admission"
import { buildIsolateRuntime } from "../platform/isolateRuntime"
import type { BookingsRepo } from "../services/BookingsRepo"
import type { ConnectorsRepo } from "../services/ConnectorsRepo"
import type { IdempotencyKeysRepo } from "../services/IdempotencyKeysRepo"
import type { RateLimiter } from "../services/RateLimiter"
import type { Turnstile } from "../services/Turnstile"
import type { ServiceAuth } from "../services/ServiceAuth"
import { BookingsHttpLive } from "./bookings/BookingsHttp"
import { LifecycleHttpLive } from "./bookings/LifecycleHttp"
import { ConnectorsHttpLive } from "./connectors/ConnectorsHttp"
import { MatchingHttpLive, type MatchingServices } from "./matching/MatchingHttp"
import { OverlapApi } from "./OverlapApi"
import { SubscriptionsHttpLive } from "./webhooks/SubscriptionsHttp"
import { RateLimitLive } from "./xrpc/RateLimit"
import { XrpcAuthLive } from "./xrpc/XrpcAuth"
import { XrpcOptionalAuthLive } from "./xrpc/XrpcOptionalAuth"
import { xrpcErrorResponse } from "./xrpc/XrpcErrors"
import { gateXrpc, parseXrpcPath, xrpcRoutes } from "./xrpc/xrpcGate"
import { xrpcWireFormat } from "./xrpc/xrpcWireFormat"

/** What the XRPC handlers need from the service graph. */
export type XrpcServices = ServiceAuth | BookingsRepo | IdempotencyKeysRepo | RateLimiter | Turnstile | ConnectorsRepo

/**
 * What the matching methods (getOffers, getAvailability, match, getMatchStatus) also need. Looked up per
 * request, like the connector services: a handler built without them answers those methods with 503.
 */
export type XrpcMatchingServices = MatchingServices

export interface XrpcHandler {
  readonly handle: (request: Request) => Promise<Response>
  readonly dispose: () => Promise<void>
}

const routes = xrpcRoutes(OverlapApi)

const overloaded = () => {
  const response = xrpcErrorResponse(429, "Overloaded", "the AppView is busy with other requests right now; retry after 1 s")
  response.headers.set("retry-after", "1")
  return response
}

/**
 * The AppView's `/xrpc/*` handler over a service graph, built at once. Build it once per `env` (its layers —
 * caches, clients — live as long as the handler) and call `handle` per request.
 */
export const makeXrpcHandler = <E>(
  services: Layer.Layer<XrpcServices, E>,
  memoMap?: Layer.MemoMap,
  admission: Admission = makeAdmission(defaultAdmission)
): XrpcHandler => {
  const api = HttpApiBuilder.api(OverlapApi).pipe(
    Layer.provide(BookingsHttpLive),
    Layer.provide(LifecycleHttpLive),
    Layer.provide(ConnectorsHttpLive),
    Layer.provide(MatchingHttpLive),
    Layer.provide(SubscriptionsHttpLive),
    // the middleware any group may use: XrpcAuth, XrpcOptionalAuth (anonymous + Turnstile), RateLimit
    Layer.provide([XrpcAuthLive, XrpcOptionalAuthLive, RateLimitLive]),
    Layer.provide(services)
  )
  // Built here, synchronously, not lazily by the first request that arrives (which others would then await).
  const built = buildIsolateRuntime(
    Layer.mergeAll(api, HttpServer.layerContext, HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer),
    memoMap
  )
  const app = Effect.runSync(Effect.provide(HttpApiBuilder.httpApp, built.runtime))
  const web = { handler: HttpApp.toWebHandlerRuntime(built.runtime)(app, xrpcWireFormat), dispose: built.dispose }
  return {
    handle: async (request) => {
      const path = parseXrpcPath(new URL(request.url).pathname)
      if (path._tag === "NotXrpc") return xrpcErrorResponse(404, "NotFound", "not an XRPC path")
      if (path._tag === "Malformed") return xrpcErrorResponse(400, "InvalidRequest", "path: malformed percent-encoding in the method name")
      const nsid = path.nsid
      const refused = gateXrpc(routes, request, nsid)
      if (refused !== undefined) return refused
      const ticket = admission.enter(Date.now())
      if (ticket === undefined) return overloaded()
      try {
        return await web.handler(request)
      } finally {
        admission.leave(ticket)
      }
    },
    dispose: web.dispose
  }
}
