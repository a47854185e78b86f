import { HttpApiMiddleware, HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Layer, Schema } from "effect"
import { methodClassOf, rateLimitHeaders } from "../../domain/rateLimits"
import { RateLimited, RateLimiter, RateLimiterUnavailable } from "../../services/RateLimiter"
import { currentSubject } from "./Requester"
import { nsidOf } from "./xrpcGate"

/**
 * Rate limits for XRPC methods: one token bucket per caller and method class
 * (`methodClassOf`: availability, match, mutation, read). The caller is the authenticated DID when
 * an auth middleware ran first, else the client's IP prefix. Every response — allowed or refused —
 * carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; a refusal is
 * `429 RateLimited` with `Retry-After`.
 *
 * Order matters: HttpApi runs the middleware added last first, so add `RateLimit` *before* the auth
 * middleware (`.middleware(RateLimit).middleware(XrpcAuth)`): auth runs, then the limit is taken
 * from the verified DID's bucket. (A token's unverified `iss` is never used: anyone could drain
 * someone else's bucket with forged tokens.)
 */
export class RateLimit extends HttpApiMiddleware.Tag<RateLimit>()("overlap/RateLimit", {
  failure: Schema.Union(RateLimited, RateLimiterUnavailable)
}) {}

export const RateLimitLive: Layer.Layer<RateLimit, never, RateLimiter> = Layer.effect(
  RateLimit,
  Effect.map(RateLimiter, (limiter) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = new URL(request.url, "http://xrpc").pathname
      const methodClass = methodClassOf(nsidOf(path) ?? path, request.method)
      const subject = yield* currentSubject
      const decision = yield* limiter.take(subject, methodClass)
      const headers = rateLimitHeaders(decision.limit, decision)
      // Added to whatever response this request ends with: the handler's, an error, or the 429 below.
      yield* HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, headers)))
      if (!decision.allowed) {
        return yield* new RateLimited({
          message: `too many ${methodClass} requests; retry in ${headers["retry-after"]} s`
        })
      }
    }))
)
