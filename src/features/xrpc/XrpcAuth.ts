import { HttpApiMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { RateLimited, RateLimiter, RateLimiterUnavailable } from "../../services/RateLimiter"
import { ServiceAuth, ServiceAuthError } from "../../services/ServiceAuth"
import { CsrfRejected, SessionInvalid, SessionStoreUnavailable, WebSessions } from "../../services/WebSessions"
import { browserSessionDid } from "./BrowserSession"
import { verifyServiceAuthGated } from "./authGate"
import { Caller } from "./Caller"
import { authenticatedAs, Requester } from "./Requester"
import { nsidOf } from "./xrpcGate"

/**
 * Auth for XRPC methods, one path for both kinds of caller. With `Authorization`: the atproto inter-service JWT
 * (audience = this AppView, `lxm` = the called method), behind the client network's `authAttempts` gate
 * (authGate.ts). Without one, a browser's session cookie (BrowserSession.ts: a live session, and for procedures
 * this origin plus the session's CSRF token; a dead cookie is a 401, never anonymous). Either way it provides the
 * `Caller` and records it as the request's subject for RateLimit and idempotent.
 */
export class XrpcAuth extends HttpApiMiddleware.Tag<XrpcAuth>()("overlap/XrpcAuth", {
  failure: Schema.Union(ServiceAuthError, RateLimited, RateLimiterUnavailable, SessionInvalid, CsrfRejected, SessionStoreUnavailable),
  provides: Caller
}) {}

export const XrpcAuthLive = Layer.effect(
  XrpcAuth,
  Effect.map(Effect.all([ServiceAuth, RateLimiter, WebSessions, CloudflareEnv]), ([auth, limiter, sessions, env]) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (request.headers.authorization === undefined) {
        const browser = yield* browserSessionDid.pipe(
          Effect.provideService(WebSessions, sessions),
          Effect.provideService(CloudflareEnv, env)
        )
        if (Option.isSome(browser)) {
          yield* authenticatedAs(Requester.Authenticated({ did: browser.value }))
          return { did: browser.value }
        }
      }
      const lxm = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? ""
      const caller = yield* verifyServiceAuthGated(auth, limiter, request, request.headers.authorization, lxm)
      yield* authenticatedAs(Requester.Authenticated({ did: caller.did }))
      return { did: caller.did }
    })
  )
)
