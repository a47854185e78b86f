import { HttpServerRequest } from "@effect/platform"
import { Context, Data, Effect, Option } from "effect"
import { ipPrefix } from "../../domain/ipPrefix"
import { didSubject, ipSubject, type RateLimitSubject } from "../../services/RateLimiter"
import { Caller } from "./Caller"

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
 * Who the current request is for rate limiting and idempotency: the service-auth `Caller`'s DID,
 * else the `CurrentRequester` (DID or IP prefix), else — a route with no auth middleware — the
 * client's IP prefix. Read at request time, so it sees what the auth middleware provided.
 */
export const currentSubject: Effect.Effect<RateLimitSubject, never, HttpServerRequest.HttpServerRequest> = Effect.gen(function* () {
  const caller = yield* Effect.serviceOption(Caller)
  if (Option.isSome(caller)) return didSubject(caller.value.did)
  const requester = yield* Effect.serviceOption(CurrentRequester)
  if (Option.isSome(requester)) {
    return Requester.$match(requester.value, {
      Authenticated: ({ did }) => didSubject(did),
      Anonymous: ({ ipPrefix }) => ipSubject(ipPrefix)
    })
  }
  return ipSubject(clientIpPrefix(yield* HttpServerRequest.HttpServerRequest))
})
