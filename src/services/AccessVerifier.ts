import type { Effect } from "effect"
import { Context, Schema } from "effect"

/** Who Cloudflare Access let through: the `email` (or service token `common_name`) and `sub` of the Access token. */
export interface AccessIdentity {
  readonly subject: string
  /** The signed-in operator's e-mail address or the service token's name; shown on the console, never stored. */
  readonly name: string
  /** True when the development bypass let the request in without a token. */
  readonly bypass: boolean
}

/**
 * The request did not carry a valid Cloudflare Access token (missing, malformed, wrong signature, expired, wrong
 * audience or issuer), or Access is not configured. Always 403: the console does not say which.
 */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  /** Why, for the log only. */
  reason: Schema.String
}) {
  readonly status = 403
}

/**
 * Verifies the `Cf-Access-Jwt-Assertion` header Cloudflare Access adds in front of the operator console: an RS256
 * JWT signed by one of the team's keys (`https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`), `aud` = the
 * Access application's tag, not expired, issued by the team domain.
 */
export class AccessVerifier extends Context.Tag("overlap/AccessVerifier")<AccessVerifier, {
  readonly verify: (request: Request) => Effect.Effect<AccessIdentity, AccessDenied>
}>() {}
