import { Clock, Effect, Layer, Ref } from "effect"
import { GOOGLE_REQUIRED_SCOPES, MICROSOFT_REQUIRED_SCOPES, type OAuthProvider } from "../../domain/oauth/providers"
import { ConnectorBroken } from "../../services/CalendarProvider"
import { OAuthClient, OAuthStateInvalid, type OAuthTokens } from "../../services/OAuthClient"
import { OAUTH_STATE_TTL_SECONDS } from "../providers/OAuthClientLive"

/**
 * In-memory OAuthClient with the Live layer's promises: single-use states that expire after 10 minutes
 * (Clock time), rotating refresh tokens, and a revoked or already-rotated refresh token → ConnectorBroken.
 * Any `code` is accepted. A fresh, empty provider per build.
 */
export const OAuthClientTest: Layer.Layer<OAuthClient> = Layer.effect(
  OAuthClient,
  Effect.gen(function* () {
    const states = yield* Ref.make(new Map<string, { provider: OAuthProvider; did: string; createdAt: number }>())
    const liveRefreshTokens = yield* Ref.make(new Set<string>())
    const counter = yield* Ref.make(0)
    const next = Ref.updateAndGet(counter, (n) => n + 1)

    const issue = (provider: OAuthProvider) =>
      Effect.gen(function* () {
        const n = yield* next
        const now = yield* Clock.currentTimeMillis
        const tokens: OAuthTokens = {
          accessToken: `test-access-${provider}-${n}`,
          refreshToken: `test-refresh-${provider}-${n}`,
          expiresAt: now + 3_600_000,
          scopes: provider === "google" ? GOOGLE_REQUIRED_SCOPES : MICROSOFT_REQUIRED_SCOPES
        }
        yield* Ref.update(liveRefreshTokens, (s) => new Set(s).add(tokens.refreshToken))
        return tokens
      })

    return OAuthClient.of({
      start: (provider, did) =>
        Effect.gen(function* () {
          const n = yield* next
          const now = yield* Clock.currentTimeMillis
          const state = `test-state-${n}-0123456789abcdef`
          yield* Ref.update(states, (m) => new Map(m).set(state, { provider, did, createdAt: now }))
          return {
            authorizationUrl: `https://oauth.test/${provider}/authorize?state=${state}`,
            state,
            expiresAt: now + OAUTH_STATE_TTL_SECONDS * 1000
          }
        }),
      callback: (provider, _code, state) =>
        Effect.gen(function* () {
          const stored = yield* Ref.modify(states, (m) => {
            const entry = m.get(state)
            const rest = new Map(m)
            rest.delete(state)
            return [entry, rest] as const
          })
          const now = yield* Clock.currentTimeMillis
          if (stored === undefined) return yield* new OAuthStateInvalid({ reason: "unknown, used or expired state" })
          if (now - stored.createdAt > OAUTH_STATE_TTL_SECONDS * 1000) return yield* new OAuthStateInvalid({ reason: "expired state" })
          if (stored.provider !== provider) return yield* new OAuthStateInvalid({ reason: "state was issued for another provider" })
          return { did: stored.did, provider, tokens: yield* issue(provider) }
        }),
      refresh: (provider, refreshToken, connectorId = "") =>
        Effect.gen(function* () {
          const live = yield* Ref.modify(liveRefreshTokens, (s) => {
            const rest = new Set(s)
            const had = rest.delete(refreshToken)
            return [had, rest] as const
          })
          if (!live) return yield* new ConnectorBroken({ provider, connectorId, reason: "invalid_grant" })
          return yield* issue(provider)
        }),
      revoke: (_provider, token) => Ref.update(liveRefreshTokens, (s) => {
        const rest = new Set(s)
        rest.delete(token)
        return rest
      })
    })
  })
)
