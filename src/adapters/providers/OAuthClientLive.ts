import { HttpClient } from "@effect/platform"
import { Clock, Duration, Effect, Either, Layer, Option, Schema } from "effect"
import { browserNonceHash, isBrowserNonce, sameSecret } from "../../domain/oauth/browserBinding"
import { authorizationUrl, codeChallengeS256, isCodeVerifier, makeCodeVerifier, makeState } from "../../domain/oauth/pkce"
import {
  GOOGLE_REQUIRED_SCOPES,
  googleEndpoints,
  MICROSOFT_REQUIRED_SCOPES,
  microsoftEndpoints,
  missingScopes,
  beginUriFor,
  type OAuthProvider,
  PRODUCTION_BASES,
  redirectUriFor
} from "../../domain/oauth/providers"
import { ConnectorBroken, ProviderRejected } from "../../services/CalendarProvider"
import {
  OAuthClient,
  OAuthGrantIncomplete,
  OAuthNotConfigured,
  OAuthStateInvalid,
  OAuthStateStoreError,
  type OAuthTokens,
  type TokenEndpointError
} from "../../services/OAuthClient"
import { isServerError, type ProviderResponse, rateLimited, sendProviderRequest, unavailable } from "./providerHttp"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"

/** How long a started flow (ticket, then state) stays valid, and the KV TTL of its records. */
export const OAUTH_STATE_TTL_SECONDS = 600
/** KV key prefix of a stored flow: `oauth-state:<state>`. */
export const OAUTH_STATE_PREFIX = "oauth-state:"
/** KV key prefix of a started flow no browser has opened yet: `oauth-ticket:<ticket>`. */
export const OAUTH_TICKET_PREFIX = "oauth-ticket:"

const StoredTicket = Schema.Struct({
  v: Schema.Literal(1),
  provider: Schema.Literal("google", "microsoft"),
  did: Schema.String,
  createdAt: Schema.Number
})
type StoredTicket = typeof StoredTicket.Type

/** v2: bound to a browser (`nonceHash`); a v1 record (no binding) is refused. */
const StoredState = Schema.Struct({
  v: Schema.Literal(2),
  provider: Schema.Literal("google", "microsoft"),
  did: Schema.String,
  verifier: Schema.String,
  /** BASE64URL(SHA-256(the flow cookie's nonce)). */
  nonceHash: Schema.String,
  createdAt: Schema.Number
})
type StoredState = typeof StoredState.Type

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/

const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.optional(Schema.Union(Schema.Number, Schema.NumberFromString)),
  refresh_token: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

const TokenError = Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })

/** Errors that mean "this grant is dead: the user must connect again". */
const DEAD_GRANT_ERRORS = new Set(["invalid_grant", "interaction_required", "consent_required", "login_required"])

interface ProviderConfig {
  readonly clientId: string
  readonly clientSecret: string
  readonly publicUrl: string
  readonly redirectUri: string
  readonly authorize: string
  readonly token: string
  readonly revoke: string | undefined
  readonly scopes: ReadonlyArray<string>
  readonly extraAuthorizeParams: Readonly<Record<string, string>>
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === "" ? undefined : value.trim())

/** The provider's settings from env, or which of them are missing. */
export const providerConfig = (env: Env, provider: OAuthProvider): Either.Either<ProviderConfig, OAuthNotConfigured> => {
  const publicUrl = nonEmpty(env.PUBLIC_URL)
  const clientId = nonEmpty(provider === "google" ? env.GOOGLE_CLIENT_ID : env.MICROSOFT_CLIENT_ID)
  const clientSecret = nonEmpty(provider === "google" ? env.GOOGLE_CLIENT_SECRET : env.MICROSOFT_CLIENT_SECRET)
  const missing = [
    ...(publicUrl === undefined ? ["PUBLIC_URL"] : []),
    ...(clientId === undefined ? [provider === "google" ? "GOOGLE_CLIENT_ID" : "MICROSOFT_CLIENT_ID"] : []),
    ...(clientSecret === undefined ? [provider === "google" ? "GOOGLE_CLIENT_SECRET" : "MICROSOFT_CLIENT_SECRET"] : [])
  ]
  if (publicUrl === undefined || clientId === undefined || clientSecret === undefined) {
    return Either.left(new OAuthNotConfigured({ provider, missing }))
  }
  const redirectUri = redirectUriFor(publicUrl, provider)
  if (provider === "google") {
    const endpoints = googleEndpoints(
      nonEmpty(env.GOOGLE_ACCOUNTS_BASE) ?? PRODUCTION_BASES.googleAccounts,
      nonEmpty(env.GOOGLE_OAUTH_BASE) ?? PRODUCTION_BASES.googleOAuth
    )
    return Either.right({
      clientId,
      clientSecret,
      publicUrl,
      redirectUri,
      ...endpoints,
      scopes: GOOGLE_REQUIRED_SCOPES,
      // offline + consent: a refresh token on every connect, not only the first one.
      extraAuthorizeParams: { access_type: "offline", prompt: "consent" }
    })
  }
  const endpoints = microsoftEndpoints(nonEmpty(env.MICROSOFT_LOGIN_BASE) ?? PRODUCTION_BASES.microsoftLogin)
  return Either.right({
    clientId,
    clientSecret,
    publicUrl,
    redirectUri,
    ...endpoints,
    revoke: undefined,
    scopes: MICROSOFT_REQUIRED_SCOPES,
    extraAuthorizeParams: { response_mode: "query", prompt: "select_account" }
  })
}

export interface OAuthClientOptions {
  readonly requestTimeout: Duration.DurationInput
  /** Delay reported when the token endpoint throttles without Retry-After. */
  readonly rateLimitFallbackMs: number
}

export const defaultOAuthClientOptions: OAuthClientOptions = { requestTimeout: "15 seconds", rateLimitFallbackMs: 30_000 }

/**
 * OAuthClient over the providers' real endpoints (bases from env), with flow state in SESSION_NONCES.
 * Needs an HttpClient (FetchHttpClient.layer in the workers).
 */
export const makeOAuthClientLive = (
  overrides: Partial<OAuthClientOptions> = {}
): Layer.Layer<OAuthClient, never, CloudflareEnv | HttpClient.HttpClient> =>
  Layer.effect(
    OAuthClient,
    Effect.gen(function* () {
      const options = { ...defaultOAuthClientOptions, ...overrides }
      const env = yield* CloudflareEnv
      const client = yield* HttpClient.HttpClient
      const kv = env.SESSION_NONCES

      const config = (provider: OAuthProvider) => Either.match(providerConfig(env, provider), { onLeft: Effect.fail, onRight: Effect.succeed })

      const kvTry = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: (cause) => new OAuthStateStoreError({ cause }) })

      /** POST to the token endpoint; a non-200 answer becomes the error it names. */
      const tokenRequest = (
        provider: OAuthProvider,
        url: string,
        form: Record<string, string>,
        connectorId: string
      ): Effect.Effect<typeof TokenResponse.Type, TokenEndpointError> =>
        Effect.gen(function* () {
          const response: ProviderResponse = yield* sendProviderRequest(client, provider, { method: "POST", url, form }, options.requestTimeout)
          if (response.status === 200) {
            return yield* Either.match(Schema.decodeUnknownEither(TokenResponse)(response.body), {
              onLeft: () => Effect.fail(new ProviderRejected({ provider, status: 200, message: "token endpoint: unexpected response shape" })),
              onRight: Effect.succeed
            })
          }
          if (response.status === 429) return yield* Effect.flip(rateLimited(provider, response, options.rateLimitFallbackMs))
          if (isServerError(response.status)) return yield* unavailable(provider, response, "token endpoint")
          const error = Schema.decodeUnknownOption(TokenError)(response.body)
          if (Option.isSome(error) && DEAD_GRANT_ERRORS.has(error.value.error)) {
            // error_description can be long (AADSTS… with trace ids); the code is what matters.
            return yield* new ConnectorBroken({ provider, connectorId, reason: error.value.error })
          }
          return yield* new ProviderRejected({
            provider,
            status: response.status,
            message: `token endpoint: ${Option.match(error, { onNone: () => "error", onSome: (e) => e.error })}`
          })
        })

      const toTokens = (
        answer: typeof TokenResponse.Type,
        previousRefreshToken: string | undefined,
        now: number
      ): OAuthTokens | undefined => {
        const refreshToken = answer.refresh_token ?? previousRefreshToken
        if (refreshToken === undefined) return undefined
        return {
          accessToken: answer.access_token,
          refreshToken,
          expiresAt: now + (answer.expires_in ?? 3600) * 1000,
          scopes: (answer.scope ?? "").split(/\s+/).filter((s) => s !== "")
        }
      }

      const start = (provider: OAuthProvider, did: string) =>
        Effect.gen(function* () {
          const cfg = yield* config(provider)
          const now = yield* Clock.currentTimeMillis
          const ticket = makeState()
          const record: StoredTicket = { v: 1, provider, did, createdAt: now }
          yield* kvTry(() => kv.put(`${OAUTH_TICKET_PREFIX}${ticket}`, JSON.stringify(record), { expirationTtl: OAUTH_STATE_TTL_SECONDS }))
          return { authorizationUrl: beginUriFor(cfg.publicUrl, provider, ticket), ticket, expiresAt: now + OAUTH_STATE_TTL_SECONDS * 1000 }
        })

      /** A record's own clock and provider (KV expiry is lazy at the edges; createdAt is the one that counts). */
      const checkRecord = (provider: OAuthProvider, record: { readonly provider: OAuthProvider; readonly createdAt: number }, what: string) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (now - record.createdAt > OAUTH_STATE_TTL_SECONDS * 1000) return yield* new OAuthStateInvalid({ reason: `expired ${what}` })
          if (record.provider !== provider) return yield* new OAuthStateInvalid({ reason: `${what} was issued for another provider` })
        })

      const begin = (provider: OAuthProvider, ticket: string, browserNonce: string) =>
        Effect.gen(function* () {
          const cfg = yield* config(provider)
          if (!TOKEN_SHAPE.test(ticket)) return yield* new OAuthStateInvalid({ reason: "malformed ticket" })
          if (!isBrowserNonce(browserNonce)) return yield* new OAuthStateInvalid({ reason: "malformed browser nonce" })
          const key = `${OAUTH_TICKET_PREFIX}${ticket}`
          const raw = yield* kvTry(() => kv.get(key))
          if (raw === null) return yield* new OAuthStateInvalid({ reason: "unknown, used or expired ticket" })
          yield* kvTry(() => kv.delete(key))
          const parsed = Schema.decodeUnknownOption(Schema.parseJson(StoredTicket))(raw)
          if (Option.isNone(parsed)) return yield* new OAuthStateInvalid({ reason: "corrupt ticket record" })
          yield* checkRecord(provider, parsed.value, "ticket")
          const now = yield* Clock.currentTimeMillis
          const state = makeState()
          const verifier = makeCodeVerifier()
          const challenge = yield* Effect.promise(() => codeChallengeS256(verifier))
          const nonceHash = yield* Effect.promise(() => browserNonceHash(browserNonce))
          const record: StoredState = { v: 2, provider, did: parsed.value.did, verifier, nonceHash, createdAt: now }
          yield* kvTry(() => kv.put(`${OAUTH_STATE_PREFIX}${state}`, JSON.stringify(record), { expirationTtl: OAUTH_STATE_TTL_SECONDS }))
          return {
            authorizationUrl: authorizationUrl({
              authorizeUrl: cfg.authorize,
              clientId: cfg.clientId,
              redirectUri: cfg.redirectUri,
              scopes: cfg.scopes,
              state,
              codeChallenge: challenge,
              extra: cfg.extraAuthorizeParams
            }),
            state,
            expiresAt: now + OAUTH_STATE_TTL_SECONDS * 1000
          }
        })

      /** Reads the state record, and with `consume` deletes it first: a state works once, even when the exchange then fails. */
      const readState = (provider: OAuthProvider, state: string, browserNonce: string, consume: boolean) =>
        Effect.gen(function* () {
          if (!TOKEN_SHAPE.test(state)) return yield* new OAuthStateInvalid({ reason: "malformed state" })
          const key = `${OAUTH_STATE_PREFIX}${state}`
          const raw = yield* kvTry(() => kv.get(key))
          if (raw === null) return yield* new OAuthStateInvalid({ reason: "unknown, used or expired state" })
          if (consume) yield* kvTry(() => kv.delete(key))
          const parsed = Schema.decodeUnknownOption(Schema.parseJson(StoredState))(raw)
          if (Option.isNone(parsed) || !isCodeVerifier(parsed.value.verifier)) return yield* new OAuthStateInvalid({ reason: "corrupt state record" })
          yield* checkRecord(provider, parsed.value, "state")
          const presented = isBrowserNonce(browserNonce) ? yield* Effect.promise(() => browserNonceHash(browserNonce)) : ""
          if (!sameSecret(presented, parsed.value.nonceHash)) return yield* new OAuthStateInvalid({ reason: "state was started in another browser" })
          return parsed.value
        })

      const pending = (provider: OAuthProvider, state: string, browserNonce: string) =>
        Effect.map(readState(provider, state, browserNonce, false), (stored) => ({ did: stored.did, provider }))

      const callback = (provider: OAuthProvider, code: string, state: string, browserNonce: string) =>
        Effect.gen(function* () {
          const cfg = yield* config(provider)
          const stored = yield* readState(provider, state, browserNonce, true)
          const form: Record<string, string> = {
            grant_type: "authorization_code",
            code,
            redirect_uri: cfg.redirectUri,
            client_id: cfg.clientId,
            client_secret: cfg.clientSecret,
            code_verifier: stored.verifier,
            ...(provider === "microsoft" ? { scope: cfg.scopes.join(" ") } : {})
          }
          const answer = yield* tokenRequest(provider, cfg.token, form, "")
          const now = yield* Clock.currentTimeMillis
          const tokens = toTokens(answer, undefined, now)
          const missing = [...missingScopes(provider, answer.scope, answer.refresh_token !== undefined), ...(tokens === undefined ? ["refresh_token"] : [])]
          if (tokens === undefined || missing.length > 0) return yield* new OAuthGrantIncomplete({ provider, missing })
          return { did: stored.did, provider, tokens }
        })

      const refresh = (provider: OAuthProvider, refreshToken: string, connectorId = "") =>
        Effect.gen(function* () {
          const cfg = yield* config(provider)
          const form: Record<string, string> = {
            grant_type: "refresh_token",
            refresh_token: refreshToken,
            client_id: cfg.clientId,
            client_secret: cfg.clientSecret,
            ...(provider === "microsoft" ? { scope: cfg.scopes.join(" ") } : {})
          }
          const answer = yield* tokenRequest(provider, cfg.token, form, connectorId)
          const now = yield* Clock.currentTimeMillis
          // Carry the old refresh token over when none came back (Google keeps it; Microsoft always rotates).
          return toTokens(answer, refreshToken, now)!
        })

      const revoke = (provider: OAuthProvider, token: string) =>
        Effect.gen(function* () {
          const cfg = yield* config(provider)
          if (cfg.revoke === undefined) return
          const response = yield* sendProviderRequest(client, provider, { method: "POST", url: cfg.revoke, form: { token } }, options.requestTimeout)
          if (response.status === 200) return
          const error = Schema.decodeUnknownOption(TokenError)(response.body)
          // RFC 7009 §2.2: an invalid token is as good as revoked.
          if (response.status === 400 && Option.exists(error, (e) => e.error === "invalid_token")) return
          if (response.status === 429) return yield* Effect.flip(rateLimited(provider, response, options.rateLimitFallbackMs))
          if (isServerError(response.status)) return yield* unavailable(provider, response, "revoke")
          return yield* new ProviderRejected({ provider, status: response.status, message: "revoke refused" })
        })

      return OAuthClient.of({ start, begin, pending, callback, refresh, revoke })
    })
  )

/** The production layer with default timeouts. */
export const OAuthClientLive = makeOAuthClientLive()
