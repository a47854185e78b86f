import { HttpApiSchema } from "@effect/platform"
import { Context, Effect, Schema } from "effect"

/**
 * Verifies atproto inter-service JWTs (https://atproto.com/specs/xrpc#inter-service-authentication-jwt):
 * the `Authorization: Bearer` token a caller's PDS mints for one XRPC call to this AppView.
 */

/** Who made the call: the issuer DID whose signing key signed the token (any `#fragment` of `iss` dropped). */
export const Caller = Schema.Struct({ did: Schema.String })
export type Caller = typeof Caller.Type

// Every rejection is a 401 with its own XRPC error name (the tag) and a human message.
const unauthorized = <A>() => HttpApiSchema.annotations<A>({ status: 401 })

/** No `Authorization: Bearer <token>` header. */
export class AuthMissing extends Schema.TaggedError<AuthMissing>()("AuthMissing", { message: Schema.String }, unauthorized()) {}

/** Not a compact JWS we accept: shape, encoding, header (`typ` JWT, `alg` ES256K/ES256) or claims. */
export class BadJwt extends Schema.TaggedError<BadJwt>()("BadJwt", { message: Schema.String }, unauthorized()) {}

/** `aud` is not this AppView (`<APPVIEW_DID><APPVIEW_SERVICE_ID>`, or the bare `APPVIEW_DID`). */
export class BadJwtAudience extends Schema.TaggedError<BadJwtAudience>()("BadJwtAudience", { message: Schema.String }, unauthorized()) {}

/** `lxm` is missing or names another method than the one called. */
export class BadJwtLexiconMethod extends Schema.TaggedError<BadJwtLexiconMethod>()(
  "BadJwtLexiconMethod",
  { message: Schema.String },
  unauthorized()
) {}

/** `exp` has passed (beyond the allowed clock skew). */
export class JwtExpired extends Schema.TaggedError<JwtExpired>()("JwtExpired", { message: Schema.String }, unauthorized()) {}

/** `iat` lies in the future (beyond the allowed clock skew). */
export class BadJwtIssuedAt extends Schema.TaggedError<BadJwtIssuedAt>()("BadJwtIssuedAt", { message: Schema.String }, unauthorized()) {}

/** The token is valid for longer than a service-auth token may be (an hour). */
export class BadJwtLifetime extends Schema.TaggedError<BadJwtLifetime>()("BadJwtLifetime", { message: Schema.String }, unauthorized()) {}

/** `iss` does not resolve to a DID document with a usable `#atproto` key. */
export class UnknownIssuer extends Schema.TaggedError<UnknownIssuer>()("UnknownIssuer", { message: Schema.String }, unauthorized()) {}

/** The signature does not verify against the issuer's signing key, even after refreshing it once. */
export class BadJwtSignature extends Schema.TaggedError<BadJwtSignature>()("BadJwtSignature", { message: Schema.String }, unauthorized()) {}

/** This token (`iss`, `jti`) was already used. */
export class JwtReplayed extends Schema.TaggedError<JwtReplayed>()("JwtReplayed", { message: Schema.String }, unauthorized()) {}

/**
 * Not a rejection of the token: the issuer's identity or the replay ledger could not be reached.
 * A 503, so the caller retries instead of concluding its credentials are bad.
 */
export class AuthUnavailable extends Schema.TaggedError<AuthUnavailable>()(
  "AuthUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** Every way `verify` can fail, for the HTTP middleware's `failure` schema. */
export const ServiceAuthErrors = [
  AuthMissing,
  BadJwt,
  BadJwtAudience,
  BadJwtLexiconMethod,
  JwtExpired,
  BadJwtIssuedAt,
  BadJwtLifetime,
  UnknownIssuer,
  BadJwtSignature,
  JwtReplayed,
  AuthUnavailable
] as const

export type ServiceAuthError = InstanceType<(typeof ServiceAuthErrors)[number]>

/** The errors as one schema (a union of the tagged error classes). */
export const ServiceAuthError = Schema.Union(...ServiceAuthErrors)

export class ServiceAuth extends Context.Tag("overlap/ServiceAuth")<
  ServiceAuth,
  {
    /**
     * Verifies the `Authorization` header of a call to XRPC method `lxm` and returns the caller.
     * Succeeding claims the token's `jti`: the same token never verifies twice.
     */
    readonly verify: (authorization: string | undefined, lxm: string) => Effect.Effect<Caller, ServiceAuthError>
  }
>() {}
