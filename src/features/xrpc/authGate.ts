import type { HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { AUTH_FAILURE_COST } from "../../domain/rateLimits"
import { ipSubject, RateLimited, type RateLimiter, type RateLimiterUnavailable } from "../../services/RateLimiter"
import type { Caller, ServiceAuth, ServiceAuthError } from "../../services/ServiceAuth"
import { clientIpPrefix } from "./Requester"

/** What a gated service-auth check can answer besides the caller: the token's own refusal, or the network's limit. */
export type GatedAuthError = ServiceAuthError | RateLimited | RateLimiterUnavailable

/**
 * Service-auth behind a cheap per-network gate (issue 12 item 5). Before the token is looked at — before
 * the issuer's DID is resolved (a did:web fetch), the signature checked or the `jti` stored — one token
 * is taken from the client network's `authAttempts` bucket (its IP prefix, /24 or /56); an empty bucket
 * is a 429 and nothing else happens. A token that fails (forged, expired, replayed, unresolvable issuer)
 * drains `AUTH_FAILURE_COST` more, so a network sending bad tokens is stopped after a few dozen, while a
 * network of well-behaved clients keeps the full rate. Verified DIDs are then limited per DID as before
 * (RateLimit).
 */
export const verifyServiceAuthGated = (
  auth: ServiceAuth["Type"],
  limiter: RateLimiter["Type"],
  request: HttpServerRequest.HttpServerRequest,
  authorization: string | undefined,
  lxm: string
): Effect.Effect<Caller, GatedAuthError> =>
  Effect.gen(function* () {
    // no token: refused at once (AuthMissing), nothing to spend on
    if (authorization === undefined) return yield* auth.verify(authorization, lxm)
    const network = ipSubject(clientIpPrefix(request))
    const attempt = yield* limiter.take(network, "authAttempts")
    if (!attempt.allowed) {
      const seconds = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000))
      return yield* new RateLimited({ message: `too many authentication attempts from this network; retry in ${seconds} s` })
    }
    return yield* auth.verify(authorization, lxm).pipe(
      Effect.tapError(() => {
        // a refused take spends nothing: charge what is left when less than the full cost remains
        const cost = Math.min(AUTH_FAILURE_COST, attempt.remaining)
        return cost > 0 ? Effect.ignore(limiter.take(network, "authAttempts", cost)) : Effect.void
      })
    )
  })
