import { HttpApiMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { RateLimited, RateLimiter, RateLimiterUnavailable } from "../../services/RateLimiter"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { ServiceAuth, ServiceAuthError } from "../../services/ServiceAuth"
import { CsrfRejected, SessionInvalid, SessionStoreUnavailable, WebSessions } from "../../services/WebSessions"
import { browserSessionDid } from "./BrowserSession"
import { Turnstile, type TurnstileError, TurnstileRejected, TurnstileRequired, TurnstileUnavailable } from "../../services/Turnstile"
import { type AnonymousCaller, authenticatedAs, clientIp, clientIpPrefix, CurrentRequester, Requester } from "./Requester"
import { verifyServiceAuthGated } from "./authGate"
import { nsidOf } from "./xrpcGate"

/** The header an anonymous client sends its Turnstile widget token in (the widget's own field name). */
export const TURNSTILE_HEADER = "cf-turnstile-response"

export const AnonymousCallerError = Schema.Union(TurnstileRequired, TurnstileRejected, TurnstileUnavailable)
export type AnonymousCallerError = TurnstileRequired | TurnstileError

/**
 * Makes the current request an `AnonymousCaller`: its `CF-Turnstile-Response` token verified with
 * siteverify (with the client IP as `remoteip`), and its IP prefix. For a handler that accepts
 * anonymous calls itself rather than through `XrpcOptionalAuth`.
 */
export const verifyAnonymousCaller = (
  expect: { readonly action?: string; readonly hostname?: string } = {}
): Effect.Effect<AnonymousCaller, AnonymousCallerError, Turnstile | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const token = request.headers[TURNSTILE_HEADER]
    if (token === undefined || token.length === 0) {
      return yield* new TurnstileRequired({ message: `${TURNSTILE_HEADER}: a Turnstile token is required without service-auth` })
    }
    const turnstile = yield* Turnstile
    const remoteIp = Option.getOrUndefined(clientIp(request))
    yield* turnstile.verify(token, { ...expect, ...(remoteIp ? { remoteIp } : {}) })
    return { ipPrefix: clientIpPrefix(request) }
  })

/**
 * Auth for methods that anonymous people may call too (offers of tier `anyone`): with an
 * `Authorization` header it is exactly `XrpcAuth` (a bad token is refused, never downgraded to
 * anonymous); without one the caller must pass Turnstile. Provides `CurrentRequester`
 * (`Authenticated { did }` | `Anonymous { ipPrefix }`) instead of `Caller`.
 */
export class XrpcOptionalAuth extends HttpApiMiddleware.Tag<XrpcOptionalAuth>()("overlap/XrpcOptionalAuth", {
  failure: Schema.Union(ServiceAuthError, RateLimited, RateLimiterUnavailable, AnonymousCallerError, SessionInvalid, CsrfRejected, SessionStoreUnavailable),
  provides: CurrentRequester
}) {}

export const XrpcOptionalAuthLive: Layer.Layer<
  XrpcOptionalAuth,
  never,
  ServiceAuth | Turnstile | RateLimiter | WebSessions | CloudflareEnv
> = Layer.effect(
  XrpcOptionalAuth,
  Effect.gen(function* () {
    const auth = yield* ServiceAuth
    const limiter = yield* RateLimiter
    const turnstile = yield* Turnstile
    const sessions = yield* WebSessions
    const env = yield* CloudflareEnv
    const identify = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const authorization = request.headers.authorization
      if (authorization === undefined) {
        // a signed-in browser is the same Authenticated requester as a service-auth call (one authorization path)
        const browser = yield* browserSessionDid.pipe(
          Effect.provideService(WebSessions, sessions),
          Effect.provideService(CloudflareEnv, env)
        )
        if (Option.isSome(browser)) return Requester.Authenticated({ did: browser.value })
      }
      if (authorization !== undefined) {
        const lxm = nsidOf(new URL(request.url, "http://xrpc").pathname) ?? ""
        const caller = yield* verifyServiceAuthGated(auth, limiter, request, authorization, lxm)
        return Requester.Authenticated({ did: caller.did })
      }
      const anonymous = yield* Effect.provideService(verifyAnonymousCaller(), Turnstile, turnstile)
      return Requester.Anonymous(anonymous)
    })
    return Effect.tap(identify, authenticatedAs)
  })
)
