import { HttpApiSchema } from "@effect/platform"
import { Context, type Effect, Schema } from "effect"
import type { OAuthProvider } from "../domain/oauth/providers"
import type {
  ConnectorBroken,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable
} from "./CalendarProvider"

export type { OAuthProvider } from "../domain/oauth/providers"

/**
 * OAuth 2.0 authorization code + PKCE with the calendar providers (Google, Microsoft identity platform).
 * Tokens come back in memory only: the caller hands them to TokenVault before anything is stored.
 */

/** Tokens from a code exchange or a refresh. Never logged, never stored in plaintext. */
export interface OAuthTokens {
  readonly accessToken: string
  /** The refresh token to keep: a rotated one when the provider returned one, else the one just used. */
  readonly refreshToken: string
  /** Epoch ms when the access token stops working (from `expires_in`). */
  readonly expiresAt: number
  /** Scopes granted, as the provider reported them (space-separated in the wire format). */
  readonly scopes: ReadonlyArray<string>
}

/** What `connector.start` answers: a one-time link to the AppView that the user's own browser must open. */
export interface OAuthStart {
  /** `<PUBLIC_URL>/oauth/<provider>/begin?ticket=…`: sets the browser's flow cookie, then redirects to the provider. */
  readonly authorizationUrl: string
  /** Single-use, 256-bit; only good for `begin`. */
  readonly ticket: string
  /** Epoch ms after which the ticket is refused. */
  readonly expiresAt: number
}

/** What `begin` answers: the provider's authorization URL, for the browser that holds `browserNonce`. */
export interface OAuthBegin {
  /** The provider's authorization URL (PKCE challenge, state, least scopes). */
  readonly authorizationUrl: string
  readonly state: string
  /** Epoch ms after which the callback is refused. */
  readonly expiresAt: number
}

/** A flow waiting at the callback, as its browser may see it (nothing consumed). */
export interface OAuthPending {
  /** The DID that started the flow. */
  readonly did: string
  readonly provider: OAuthProvider
}

export interface OAuthCallbackResult {
  /** The DID that started the flow (from the stored state, not from the request). */
  readonly did: string
  readonly provider: OAuthProvider
  readonly tokens: OAuthTokens
}

/** Client id / secret / public URL missing for this provider: the deployment is not set up for it. */
export class OAuthNotConfigured extends Schema.TaggedError<OAuthNotConfigured>()(
  "OAuthNotConfigured",
  { provider: Schema.String, missing: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 503 })
) {}

/**
 * The callback's `state` (or `begin`'s ticket) is unknown, already used, expired, was issued for another
 * provider, or belongs to another browser (the flow cookie's nonce does not match).
 */
export class OAuthStateInvalid extends Schema.TaggedError<OAuthStateInvalid>()(
  "OAuthStateInvalid",
  { reason: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The user granted less than Overlap needs (unticked a scope, or no refresh token came back). */
export class OAuthGrantIncomplete extends Schema.TaggedError<OAuthGrantIncomplete>()(
  "OAuthGrantIncomplete",
  { provider: Schema.String, missing: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** SESSION_NONCES could not be read or written. */
export class OAuthStateStoreError extends Schema.TaggedError<OAuthStateStoreError>()(
  "OAuthStateStoreError",
  { cause: Schema.Defect },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** What the token endpoint can answer besides success. `invalid_grant` is ConnectorBroken. */
export type TokenEndpointError = ConnectorBroken | ProviderUnavailable | ProviderRateLimited | ProviderRejected

export class OAuthClient extends Context.Tag("overlap/OAuthClient")<
  OAuthClient,
  {
    /**
     * A fresh single-use ticket for `did`, kept in SESSION_NONCES for 10 minutes, and the AppView's begin URL
     * carrying it. The flow is bound to a browser only when that browser opens the link (`begin`).
     */
    readonly start: (provider: OAuthProvider, did: string) => Effect.Effect<OAuthStart, OAuthNotConfigured | OAuthStateStoreError>
    /**
     * Consumes the ticket; a fresh `state` and PKCE verifier, kept in SESSION_NONCES for 10 minutes (single use)
     * with the SHA-256 of `browserNonce` (the random value of the browser's flow cookie), and the provider's
     * authorization URL asking for the least scopes (docs/connectors.md).
     */
    readonly begin: (provider: OAuthProvider, ticket: string, browserNonce: string) => Effect.Effect<OAuthBegin, OAuthStateInvalid | OAuthNotConfigured | OAuthStateStoreError>
    /** Who a flow is for, if `state` is live and bound to `browserNonce`; consumes nothing. */
    readonly pending: (provider: OAuthProvider, state: string, browserNonce: string) => Effect.Effect<OAuthPending, OAuthStateInvalid | OAuthStateStoreError>
    /**
     * Consumes `state` (deleted on first read, whatever happens next), refuses it unless it is bound to
     * `browserNonce`, then exchanges `code` with the stored verifier. Refuses a grant missing a required scope
     * or the refresh token.
     */
    readonly callback: (
      provider: OAuthProvider,
      code: string,
      state: string,
      browserNonce: string
    ) => Effect.Effect<OAuthCallbackResult, OAuthStateInvalid | OAuthGrantIncomplete | OAuthNotConfigured | OAuthStateStoreError | TokenEndpointError>
    /**
     * New tokens from a refresh token. Refresh tokens may rotate (Microsoft always, Google rarely): keep the
     * returned `refreshToken`. `invalid_grant` (revoked, expired, reused) → ConnectorBroken.
     */
    readonly refresh: (
      provider: OAuthProvider,
      refreshToken: string,
      connectorId?: string
    ) => Effect.Effect<OAuthTokens, OAuthNotConfigured | TokenEndpointError>
    /**
     * Revokes the grant at the provider. Google: RFC 7009 revocation (an already invalid token succeeds).
     * Microsoft has no per-grant revocation endpoint for delegated tokens: succeeds without a request
     * (docs/connectors.md); deleting the stored tokens is what ends Overlap's access.
     */
    readonly revoke: (provider: OAuthProvider, token: string) => Effect.Effect<void, OAuthNotConfigured | ProviderUnavailable | ProviderRejected | ProviderRateLimited>
  }
>() {}
