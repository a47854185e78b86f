import { HttpApiBuilder, HttpApp, HttpServer } from "@effect/platform"
import { Effect, Layer } from "effect"
import { type Admission, defaultAdmission, makeAdmission } from "../domain/admission"
import { buildIsolateRuntime } from "../platform/isolateRuntime"
import { AccountDataHttpLive } from "./account/AccountDataHttp"
import { BookingsHttpLive } from "./bookings/BookingsHttp"
import { LifecycleHttpLive } from "./bookings/LifecycleHttp"
import { ConnectorsHttpLive } from "./connectors/ConnectorsHttp"
import { MatchingHttpLive } from "./matching/MatchingHttp"
import { OverlapApi } from "./OverlapApi"
import { SettingsHttpLive } from "./settings/SettingsHttp"
import { SubscriptionsHttpLive } from "./webhooks/SubscriptionsHttp"
import { SessionHttpLive } from "./signin/SessionHttp"
import { NotifyHttpLive } from "./notify/NotifyHttp"
import { HostRecordsHttpLive } from "./hostRecords/HostRecordsHttp"
import { RateLimitLive } from "./xrpc/RateLimit"
import { XrpcAuthLive } from "./xrpc/XrpcAuth"
import { XrpcOptionalAuthLive } from "./xrpc/XrpcOptionalAuth"
import { xrpcErrorResponse } from "./xrpc/XrpcErrors"
import { gateXrpc, parseXrpcPath, xrpcRoutes } from "./xrpc/xrpcGate"
import { answerVaultNotConfigured } from "./xrpc/vaultNotConfigured"
import { xrpcWireFormat } from "./xrpc/xrpcWireFormat"

/** Every handler group and middleware of the XRPC surface; what they need is what the service graph must provide. */
const XrpcApiLive = HttpApiBuilder.api(OverlapApi).pipe(
  Layer.provide(BookingsHttpLive),
  Layer.provide(LifecycleHttpLive),
  Layer.provide(ConnectorsHttpLive),
  Layer.provide(MatchingHttpLive),
  Layer.provide(SubscriptionsHttpLive),
  Layer.provide(AccountDataHttpLive),
  Layer.provide(SettingsHttpLive),
  Layer.provide(SessionHttpLive),
  Layer.provide(NotifyHttpLive),
  Layer.provide(HostRecordsHttpLive),
  // the middleware any group may use: XrpcAuth, XrpcOptionalAuth (anonymous + Turnstile), RateLimit
  Layer.provide([XrpcAuthLive, XrpcOptionalAuthLive, RateLimitLive])
)

/**
 * What the XRPC handlers need from the service graph: read off the handler layers' types, so a graph that lacks
 * one of them does not compile.
 */
export type XrpcServices = Layer.Layer.Context<typeof XrpcApiLive>

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
  const api = XrpcApiLive.pipe(Layer.provide(services))
  // Built here, synchronously, not lazily by the first request that arrives (which others would then await).
  const built = buildIsolateRuntime(
    Layer.mergeAll(api, HttpServer.layerContext, HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer),
    memoMap
  )
  const app = Effect.runSync(Effect.provide(HttpApiBuilder.httpApp, built.runtime))
  const web = { handler: HttpApp.toWebHandlerRuntime(built.runtime)(answerVaultNotConfigured(app), xrpcWireFormat), dispose: built.dispose }
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
