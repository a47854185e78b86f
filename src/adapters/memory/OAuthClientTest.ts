import { Clock, Effect, Layer, Ref } from "effect"
import { GOOGLE_REQUIRED_SCOPES, MICROSOFT_REQUIRED_SCOPES, type OAuthProvider } from "../../domain/oauth/providers"
import { ConnectorBroken } from "../../services/CalendarProvider"
import { OAuthClient, OAuthStateInvalid, type OAuthTokens } from "../../services/OAuthClient"
import { OAUTH_STATE_TTL_SECONDS } from "../providers/OAuthClientLive"

/**
 * In-memory OAuthClient with the Live layer's promises: single-use tickets and states that expire after
 * 10 minutes (Clock time), a state good only for the browser nonce given at `begin`, rotating refresh tokens,
 * and a revoked or already-rotated refresh token → ConnectorBroken. Any `code` is accepted. A fresh, empty
 * provider per build.
 */
export const OAuthClientTest: Layer.Layer<OAuthClient> = Layer.effect(
  OAuthClient,
  Effect.gen(function* () {
    type Flow = { provider: OAuthProvider; did: string; createdAt: number; nonce?: string }
    const tickets = yield* Ref.make(new Map<string, Flow>())
    const states = yield* Ref.make(new Map<string, Flow>())
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

    const take = (store: Ref.Ref<Map<string, Flow>>, key: string, consume: boolean) =>
      Ref.modify(store, (m) => {
        const entry = m.get(key)
        const rest = new Map(m)
        if (consume) rest.delete(key)
        return [entry, rest] as const
      })

    const check = (provider: OAuthProvider, stored: Flow | undefined, what: string, nonce?: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (stored === undefined) return yield* new OAuthStateInvalid({ reason: `unknown, used or expired ${what}` })
        if (now - stored.createdAt > OAUTH_STATE_TTL_SECONDS * 1000) return yield* new OAuthStateInvalid({ reason: `expired ${what}` })
        if (stored.provider !== provider) return yield* new OAuthStateInvalid({ reason: `${what} was issued for another provider` })
        if (nonce !== undefined && stored.nonce !== nonce) return yield* new OAuthStateInvalid({ reason: "state was started in another browser" })
        return stored
      })

    return OAuthClient.of({
      start: (provider, did) =>
        Effect.gen(function* () {
          const n = yield* next
          const now = yield* Clock.currentTimeMillis
          const ticket = `test-ticket-${n}-0123456789abcdef`
          yield* Ref.update(tickets, (m) => new Map(m).set(ticket, { provider, did, createdAt: now }))
          return { authorizationUrl: `https://overlap.test/oauth/${provider}/begin?ticket=${ticket}`, ticket, expiresAt: now + OAUTH_STATE_TTL_SECONDS * 1000 }
        }),
      begin: (provider, ticket, nonce) =>
        Effect.gen(function* () {
          const flow = yield* check(provider, yield* take(tickets, ticket, true), "ticket")
          const n = yield* next
          const now = yield* Clock.currentTimeMillis
          const state = `test-state-${n}-0123456789abcdef`
          yield* Ref.update(states, (m) => new Map(m).set(state, { provider, did: flow.did, createdAt: now, nonce }))
          return { authorizationUrl: `https://oauth.test/${provider}/authorize?state=${state}`, state, expiresAt: now + OAUTH_STATE_TTL_SECONDS * 1000 }
        }),
      pending: (provider, state, nonce) =>
        Effect.map(Effect.flatMap(take(states, state, false), (stored) => check(provider, stored, "state", nonce)), (flow) => ({ did: flow.did, provider })),
      callback: (provider, _code, state, nonce) =>
        Effect.gen(function* () {
          const stored = yield* check(provider, yield* take(states, state, true), "state", nonce)
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
