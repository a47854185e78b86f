import { Context, Effect, Either, Schema } from "effect"
import { isIpLiteral, isPublicAddress } from "../domain/network/ipAddress"
import { checkOutboundUrl, type OutboundUrlPolicy } from "../domain/network/outboundUrl"

/**
 * Says whether Overlap may send a request to a URL another person chose (a webhook target, a CalDAV server):
 * the URL's shape (https, default port unless the operator allows another, a public name or address) and,
 * outside development, every address its name resolves to (no loopback, private, link-local, metadata or
 * other reserved address, v4 or v6). Checked when the URL is registered and again before each request, so a
 * name that later resolves inside is refused then. A refusal never reveals what the URL would have answered.
 */
export class OutboundRefused extends Schema.TaggedError<OutboundRefused>()("OutboundRefused", {
  message: Schema.String,
  /** The name could not be resolved right now (DNS failure or timeout): the same URL may pass later. */
  transient: Schema.Boolean
}) {}

export class OutboundGuard extends Context.Tag("overlap/OutboundGuard")<OutboundGuard, {
  /** The parsed URL when it may be called now; the message says why not (it starts with "url "). */
  readonly check: (url: string) => Effect.Effect<URL, OutboundRefused>
}>() {}

/**
 * The check both layers run: the URL's shape, then (outside development, for a name) every address `resolve`
 * gives for it. `resolve` fails with the refusal to send when the name cannot be resolved.
 */
export const makeOutboundCheck =
  (policy: OutboundUrlPolicy, resolve: (host: string) => Effect.Effect<ReadonlyArray<string>, OutboundRefused>) =>
  (raw: string): Effect.Effect<URL, OutboundRefused> =>
    Effect.gen(function* () {
      const url = yield* Either.mapLeft(checkOutboundUrl(raw, policy), refuseOutbound)
      const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
      if (policy.development || isIpLiteral(host)) return url
      const addresses = yield* resolve(host)
      if (addresses.length === 0) return yield* refuseOutbound("does not resolve to an address")
      if (!addresses.every(isPublicAddress)) return yield* refuseOutbound("resolves to a private or reserved address")
      return url
    })

export const refuseOutbound = (message: string, transient = false) => new OutboundRefused({ message: `url ${message}`, transient })
