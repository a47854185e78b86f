import { HttpServerRequest } from "@effect/platform"
import { Context, Data, Effect, FiberRef, Option } from "effect"
import { ipPrefix } from "../../domain/ipPrefix"
import { didSubject, ipSubject, type RateLimitSubject } from "../../services/RateLimiter"

/** An anonymous caller (no service-auth): passed Turnstile; known only by their network. */
export interface AnonymousCaller {
  /** `ipPrefix` of the client IP (/24 or /56), or `unknown` when the platform did not say. */
  readonly ipPrefix: string
}

/**
 * Who is calling a method that also takes anonymous calls (`XrpcOptionalAuth`): an authenticated
 * DID, or an anonymous, Turnstile-verified caller.
 */
export type Requester = Data.TaggedEnum<{
  Authenticated: { readonly did: string }
  Anonymous: AnonymousCaller
}>
export const Requester = Data.taggedEnum<Requester>()

export class CurrentRequester extends Context.Tag("overlap/Requester")<CurrentRequester, Requester>() {}

/**
 * The client's IP as Cloudflare reports it (`CF-Connecting-IP`, set by the edge and not
 * forgeable by the client). Absent in local dev and tests that do not set it.
 */
export const clientIp = (request: HttpServerRequest.HttpServerRequest): Option.Option<string> =>
  Option.fromNullable(request.headers["cf-connecting-ip"]).pipe(Option.filter((ip) => ip.length > 0))

/** The network an anonymous client is limited as; `unknown` (one shared bucket) without a usable IP. */
export const clientIpPrefix = (request: HttpServerRequest.HttpServerRequest): string =>
  Option.flatMap(clientIp(request), ipPrefix).pipe(Option.getOrElse(() => "unknown"))

/**
 * Who the current request is for rate limiting and idempotency, as the auth middleware that ran
 * verified it (`XrpcAuth`: the caller's DID; `XrpcOptionalAuth`: the DID or the anonymous caller's
 * IP prefix). Request-local state, set once per request fiber by `authenticatedAs`; none on a route
 * without an auth middleware.
 */
const verifiedSubject: FiberRef.FiberRef<Option.Option<RateLimitSubject>> = FiberRef.unsafeMake(Option.none())

/** Records who the auth middleware verified, for `currentSubject` (RateLimit, idempotent) later in the request. */
export const authenticatedAs = (requester: Requester): Effect.Effect<void> =>
  FiberRef.set(
    verifiedSubject,
    Option.some(Requester.$match(requester, {
      Authenticated: ({ did }) => didSubject(did),
      Anonymous: ({ ipPrefix }) => ipSubject(ipPrefix)
    }))
  )

/**
 * Who the current request is for rate limiting and idempotency: the subject the auth middleware
 * verified, else — a route with no auth middleware — the client's IP prefix. Never a token's
 * unverified `iss`.
 */
export const currentSubject: Effect.Effect<RateLimitSubject, never, HttpServerRequest.HttpServerRequest> = Effect.gen(function* () {
  const verified = yield* FiberRef.get(verifiedSubject)
  if (Option.isSome(verified)) return verified.value
  return ipSubject(clientIpPrefix(yield* HttpServerRequest.HttpServerRequest))
})
