import { Clock, Effect, Option, Schedule } from "effect"
import { ConnectorBroken, type ProviderUnavailable } from "../../../services/CalendarProvider"
import type { AccessTokenGetter } from "../../../services/ConnectorCalendar"
import type { Connector, ConnectorsRepo } from "../../../services/ConnectorsRepo"
import type { OAuthClient } from "../../../services/OAuthClient"
import type { ProviderAdapters } from "../../../services/ProviderAdapters"
import type { TokenVault } from "../../../services/TokenVault"
import type { ConnectorRows } from "./connectorRows"
import { brokenError, internal } from "./connectorErrors"
import type { Credentials } from "./credentials"

/** A token that expires within this long counts as expired. */
const ACCESS_TOKEN_SKEW_MS = 60_000

interface TokenState {
  accessToken: string | undefined
  expiresAt: number
  /** Bumped by every successful refresh: a waiter that sees it move knows someone refreshed for it. */
  generation: number
  /** A rotated refresh token whose D1 write failed: kept here so it is not lost (the old one is dead). */
  unsavedRefreshToken: string | undefined
  readonly lock: Effect.Semaphore
}

/**
 * OAuth access tokens, in memory only. One refresher at a time per connector: refreshes run under a
 * per-connector lock, and a caller that waited for the lock uses the token the previous holder obtained
 * instead of refreshing again (refresh tokens can be single-use: Microsoft rotates them on every refresh).
 */
export const makeTokenRefresh = (deps: {
  readonly repo: ConnectorsRepo["Type"]
  readonly vault: TokenVault["Type"]
  readonly oauth: OAuthClient["Type"]
  readonly adapters: ProviderAdapters["Type"]
  readonly rows: ConnectorRows
  readonly credentials: Credentials
  readonly markBroken: (row: Connector, reason: string) => Effect.Effect<void>
}) => {
  const { credentials, oauth, repo, rows, vault } = deps
  const states = new Map<string, TokenState>()

  const stateOf = (id: string): TokenState => {
    let state = states.get(id)
    if (state === undefined) {
      state = { accessToken: undefined, expiresAt: 0, generation: 0, unsavedRefreshToken: undefined, lock: Effect.unsafeMakeSemaphore(1) }
      states.set(id, state)
    }
    return state
  }
  const fresh = (state: TokenState, now: number, marginMs = ACCESS_TOKEN_SKEW_MS) =>
    state.accessToken !== undefined && state.expiresAt - marginMs > now

  /** Refreshes the access token. Call only while holding `state.lock`. */
  const refreshLocked = (id: string, state: TokenState): Effect.Effect<string, ConnectorBroken | ProviderUnavailable> =>
    Effect.gen(function*() {
      const found = yield* rows.fresh(id)
      if (Option.isNone(found)) return yield* new ConnectorBroken({ provider: "overlap", connectorId: id, reason: "the connector was removed" })
      const row = found.value
      if (row.status === "broken") return yield* brokenError(row)
      const signIn = deps.adapters[row.provider].signIn
      if (signIn.kind !== "oauth") return yield* internal(new Error(`${row.provider} connectors have no access token`))
      const refreshToken = state.unsavedRefreshToken ?? (yield* credentials.decrypt(row))
      const tokens = yield* oauth.refresh(signIn.provider, refreshToken, id).pipe(
        Effect.catchTags({
          ConnectorBroken: (error) => Effect.zipRight(deps.markBroken(row, error.reason), Effect.fail(error)),
          ProviderRateLimited: (error) => Effect.fail(internal(error)),
          ProviderRejected: (error) => Effect.fail(internal(error)),
          OAuthNotConfigured: (error) => Effect.fail(internal(error))
        })
      )
      const rotated = tokens.refreshToken !== refreshToken
      const sealed = rotated
        ? yield* vault.encrypt(tokens.refreshToken, credentials.bindingOf(row)).pipe(Effect.mapError(internal))
        : { ciphertext: row.tokenCiphertext!, keyId: row.keyId! }
      yield* repo.updateTokens(id, sealed, tokens.expiresAt).pipe(
        Effect.retry(Schedule.recurs(2)),
        Effect.matchEffect({
          onSuccess: () => Effect.sync(() => void (state.unsavedRefreshToken = undefined)),
          onFailure: (error) =>
            Effect.sync(() => {
              if (rotated) state.unsavedRefreshToken = tokens.refreshToken
            }).pipe(Effect.zipRight(Effect.logError("connectors: could not store refreshed tokens", { connectorId: id, error: error._tag })))
        })
      )
      state.accessToken = tokens.accessToken
      state.expiresAt = tokens.expiresAt
      state.generation++
      rows.invalidate()
      return tokens.accessToken
    })

  /** The access-token getter the backends use: one refresh at a time, shared by everyone waiting for it. */
  const accessToken = (id: string): AccessTokenGetter => (forceRefresh) =>
    Effect.gen(function*() {
      const state = stateOf(id)
      const seen = state.generation
      if (!forceRefresh && fresh(state, yield* Clock.currentTimeMillis)) return state.accessToken!
      return yield* state.lock.withPermits(1)(
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          // Someone refreshed while we waited (or, for a plain read, the token is good again): use theirs.
          if ((state.generation !== seen || !forceRefresh) && fresh(state, now)) return state.accessToken!
          return yield* refreshLocked(id, state)
        })
      )
    })

  /** Refreshes unless the token stays good beyond `marginMs` (the cron). True when it refreshed. */
  const refreshIfStale = (id: string, marginMs: number) => {
    const state = stateOf(id)
    return state.lock.withPermits(1)(
      Effect.flatMap(Clock.currentTimeMillis, (now) => (fresh(state, now, marginMs) ? Effect.succeed(false) : Effect.as(refreshLocked(id, state), true)))
    )
  }

  /** Takes the access token a code exchange just returned (the connect flow hands it over in memory). */
  const accept = (id: string, access: { readonly accessToken: string; readonly expiresAt: number }) => {
    const state = stateOf(id)
    state.accessToken = access.accessToken
    state.expiresAt = access.expiresAt
    state.generation++
  }

  /** The refresh token to use: a rotated one not yet stored, else the sealed one. */
  const refreshToken = (row: Connector) => Effect.suspend(() => {
    const unsaved = states.get(row.id)?.unsavedRefreshToken
    return unsaved === undefined ? credentials.decrypt(row) : Effect.succeed(unsaved)
  })

  return { accessToken, refreshIfStale, accept, refreshToken, drop: (id: string) => void states.delete(id) }
}

export type TokenRefresh = ReturnType<typeof makeTokenRefresh>
