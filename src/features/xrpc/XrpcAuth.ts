import { HttpApiMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Schema } from "effect"
import { RateLimited, RateLimiter, RateLimiterUnavailable } from "../../services/RateLimiter"
import { ServiceAuth, ServiceAuthError } from "../../services/ServiceAuth"
import { verifyServiceAuthGated } from "./authGate"
import { Caller } from "./Caller"
import { authenticatedAs, Requester } from "./Requester"
import { nsidOf } from "./xrpcGate"

/**
 * Service-auth for XRPC methods: verifies the atproto inter-service JWT in `Authorization`
 * (audience = this AppView, `lxm` = the called method) and provides the `Caller` (and records it as
 * the request's subject for RateLimit and idempotent). The check sits behind the client network's
 * `authAttempts` gate (authGate.ts).
 */
export class XrpcAuth extends HttpApiMiddleware.Tag<XrpcAuth>()("overlap/XrpcAuth", {
  failure: Schema.Union(ServiceAuthError, RateLimited, RateLimiterUnavailable),
  provides: Caller
}) {}

export const XrpcAuthLive = Layer.effect(
  XrpcAuth,
  Effect.map(Effect.all([ServiceAuth, RateLimiter]), ([auth, limiter]) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const lxm = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? ""
      const caller = yield* verifyServiceAuthGated(auth, limiter, request, request.headers.authorization, lxm)
      yield* authenticatedAs(Requester.Authenticated({ did: caller.did }))
      return { did: caller.did }
    })
  )
)
