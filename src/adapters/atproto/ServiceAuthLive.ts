import { verifySignature } from "@atproto/crypto"
import { Clock, Effect, Either, Layer, Schema } from "effect"
import { Did, type DidResolutionError, IdentityResolver, parseDid } from "../../services/IdentityResolver"
import { JtiLedger } from "../../services/JtiLedger"
import {
  AuthMissing,
  AuthUnavailable,
  BadJwt,
  BadJwtAudience,
  BadJwtIssuedAt,
  BadJwtLexiconMethod,
  BadJwtLifetime,
  BadJwtSignature,
  type Caller,
  JwtExpired,
  JwtReplayed,
  ServiceAuth,
  type ServiceAuthError,
  UnknownIssuer
} from "../../services/ServiceAuth"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** Allowed disagreement between our clock and the issuer's, each way. */
export const CLOCK_SKEW_SECONDS = 30
/** The longest a token may be valid: the PDS refuses to mint longer ones (getServiceAuth: at most an hour). */
export const MAX_LIFETIME_SECONDS = 60 * 60
/** Far above any real token (~400 bytes); bounds the work done on garbage. */
const MAX_TOKEN_LENGTH = 4096
const MAX_JTI_LENGTH = 128

const JwtHeader = Schema.Struct({
  alg: Schema.Literal("ES256K", "ES256"),
  typ: Schema.optional(Schema.String)
})

const NumericDate = Schema.Number.pipe(Schema.finite(), Schema.nonNegative())

const JwtPayload = Schema.Struct({
  iss: Schema.String,
  aud: Schema.String,
  exp: NumericDate,
  iat: Schema.optional(NumericDate),
  lxm: Schema.optional(Schema.String),
  jti: Schema.optional(Schema.String)
})

const BASE64URL = /^[A-Za-z0-9_-]+$/

const base64UrlToBytes = (segment: string): Uint8Array => {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/")
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

const decodeSegment = <A, I>(schema: Schema.Schema<A, I>, segment: string, what: string): Either.Either<A, BadJwt> => {
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(segment)))
    return Schema.decodeUnknownEither(schema)(json).pipe(
      Either.mapLeft((error) => new BadJwt({ message: `jwt ${what} is not acceptable: ${error.message}` }))
    )
  } catch {
    return Either.left(new BadJwt({ message: `jwt ${what} is not base64url-encoded JSON` }))
  }
}

/** The parts of a compact JWS, decoded and shape-checked; no cryptography, no I/O. */
const parseToken = (token: string) =>
  Effect.gen(function* () {
    if (token.length > MAX_TOKEN_LENGTH) return yield* new BadJwt({ message: "jwt is too long" })
    const parts = token.split(".")
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
      return yield* new BadJwt({ message: "jwt is not a compact JWS (three base64url parts)" })
    }
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
    const header = yield* decodeSegment(JwtHeader, headerPart, "header")
    if (header.typ !== undefined && header.typ.toUpperCase() !== "JWT") {
      return yield* new BadJwt({ message: `jwt typ "${header.typ}" is not a service-auth token` })
    }
    const payload = yield* decodeSegment(JwtPayload, payloadPart, "payload")
    return {
      header,
      payload,
      signedBytes: new TextEncoder().encode(`${headerPart}.${payloadPart}`),
      signature: base64UrlToBytes(signaturePart)
    }
  })

const toIssuerError = (error: DidResolutionError): Effect.Effect<never, AuthUnavailable | UnknownIssuer> =>
  error._tag === "IdentityUnavailable"
    ? Effect.logWarning("service auth: issuer identity unavailable", error).pipe(
        Effect.zipRight(Effect.fail(new AuthUnavailable({ message: "the issuer's identity could not be resolved right now" })))
      )
    : Effect.fail(new UnknownIssuer({ message: `jwt issuer: ${error.message}` }))

/**
 * ServiceAuth over IdentityResolver (the issuer's `#atproto` key) and JtiLedger (replay).
 * Audience: `<APPVIEW_DID><APPVIEW_SERVICE_ID>` and also the bare `APPVIEW_DID` — the reference PDS
 * (0.4.x) mints bare-DID audiences both from `getServiceAuth` (its `aud` has format `did`, a fragment is
 * refused) and when proxying with `atproto-proxy: <did>#<service>` (it drops the fragment); the revised
 * service-auth proposal keeps bare DIDs valid (deprecated) during the move to fragments. Any other
 * fragment of our DID is refused.
 */
export const ServiceAuthLive: Layer.Layer<ServiceAuth, never, CloudflareEnv | IdentityResolver | JtiLedger> = Layer.effect(
  ServiceAuth,
  Effect.gen(function* () {
    const env = yield* CloudflareEnv
    const identity = yield* IdentityResolver
    const ledger = yield* JtiLedger
    const serviceId = env.APPVIEW_SERVICE_ID.startsWith("#") ? env.APPVIEW_SERVICE_ID : `#${env.APPVIEW_SERVICE_ID}`
    const audiences = new Set([`${env.APPVIEW_DID}${serviceId}`, env.APPVIEW_DID])

    const signatureVerifies = (didKey: string, alg: string, data: Uint8Array, signature: Uint8Array) =>
      Effect.tryPromise(() =>
        // Malleable (high-S) signatures are accepted like the reference verifier does: WebCrypto P-256 signers
        // produce them, and a malleated copy carries the same (iss, jti), which the ledger refuses anyway.
        verifySignature(didKey, data, signature, { jwtAlg: alg, allowMalleableSig: true })
      ).pipe(Effect.orElseSucceed(() => false)) // a key of another curve than `alg` says throws: not a match

    // Checks run cheapest first: a token that is malformed, for someone else, for another method or out of
    // date is refused before any network call.
    const verify = (authorization: string | undefined, lxm: string): Effect.Effect<Caller, ServiceAuthError> =>
      Effect.gen(function* () {
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")
        if (bearer === null) {
          return yield* new AuthMissing({ message: "an Authorization: Bearer <service-auth JWT> header is required" })
        }
        const { header, payload, signedBytes, signature } = yield* parseToken(bearer[1]!)

        if (!audiences.has(payload.aud)) {
          return yield* new BadJwtAudience({ message: `jwt audience "${payload.aud}" is not ${env.APPVIEW_DID}${serviceId}` })
        }
        if (payload.lxm === undefined) {
          return yield* new BadJwtLexiconMethod({ message: `jwt has no lexicon method ("lxm"); it must be ${lxm}` })
        }
        if (payload.lxm !== lxm) {
          return yield* new BadJwtLexiconMethod({ message: `jwt lexicon method "${payload.lxm}" does not match ${lxm}` })
        }

        const now = (yield* Clock.currentTimeMillis) / 1000
        if (payload.exp <= now - CLOCK_SKEW_SECONDS) {
          return yield* new JwtExpired({ message: "jwt expired" })
        }
        if (payload.iat !== undefined && payload.iat > now + CLOCK_SKEW_SECONDS) {
          return yield* new BadJwtIssuedAt({ message: "jwt was issued in the future" })
        }
        if (payload.exp - (payload.iat ?? now) > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
          return yield* new BadJwtLifetime({ message: "jwt is valid for more than an hour" })
        }

        const jti = payload.jti
        if (jti === undefined || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
          return yield* new BadJwt({ message: 'jwt needs a nonce ("jti") of at most 128 characters' })
        }
        // The fragment of `iss` (a service of the issuer) does not change whose key signs.
        const issuer = payload.iss.split("#")[0]!
        if (!Schema.is(Did)(issuer)) {
          return yield* new BadJwt({ message: `jwt issuer "${payload.iss}" is not a DID` })
        }
        if (Either.isLeft(parseDid(issuer))) {
          return yield* new UnknownIssuer({ message: `jwt issuer "${payload.iss}" is not a did:plc or did:web` })
        }

        // --- network from here on ---
        const key = yield* identity.getSigningKey(issuer).pipe(Effect.catchAll(toIssuerError))
        let valid = yield* signatureVerifies(key, header.alg, signedBytes, signature)
        if (!valid) {
          // Perhaps the key rotated since we cached the document: fetch it again, once.
          const fresh = yield* identity.getSigningKey(issuer, { forceRefresh: true }).pipe(Effect.catchAll(toIssuerError))
          valid = fresh !== key && (yield* signatureVerifies(fresh, header.alg, signedBytes, signature))
        }
        if (!valid) {
          return yield* new BadJwtSignature({ message: "jwt signature does not match the issuer's signing key" })
        }

        // Remember the jti for as long as the token could still be accepted (exp plus the skew).
        yield* ledger.claim(issuer, jti, (payload.exp + CLOCK_SKEW_SECONDS) * 1000).pipe(
          Effect.catchTags({
            JtiReplayed: () => Effect.fail(new JwtReplayed({ message: "jwt was already used" })),
            RepositoryError: (error) =>
              Effect.logWarning("service auth: jti ledger unavailable", error).pipe(
                Effect.zipRight(Effect.fail(new AuthUnavailable({ message: "the replay ledger could not be reached" })))
              )
          })
        )
        return { did: issuer }
      })

    return ServiceAuth.of({ verify })
  })
)

