import { HttpApiMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Layer } from "effect"
import { ServiceAuth, ServiceAuthError } from "../../services/ServiceAuth"
import { Caller } from "./Caller"
import { authenticatedAs, Requester } from "./Requester"
import { nsidOf } from "./xrpcGate"

/**
 * Service-auth for XRPC methods: verifies the atproto inter-service JWT in `Authorization`
 * (audience = this AppView, `lxm` = the called method) and provides the `Caller` (and records it as
 * the request's subject for RateLimit and idempotent).
 */
export class XrpcAuth extends HttpApiMiddleware.Tag<XrpcAuth>()("overlap/XrpcAuth", {
  failure: ServiceAuthError,
  provides: Caller
}) {}

export const XrpcAuthLive = Layer.effect(
  XrpcAuth,
  Effect.map(ServiceAuth, (auth) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const lxm = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? ""
      const caller = yield* auth.verify(request.headers.authorization, lxm)
      yield* authenticatedAs(Requester.Authenticated({ did: caller.did }))
      return { did: caller.did }
    })
  )
)
