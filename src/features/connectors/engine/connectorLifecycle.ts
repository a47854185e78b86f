import { chosenHoldsCalendar } from "../../../domain/calendar/holdsCalendar"
import type { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import type { ProviderError, ProviderUnavailable } from "../../../services/CalendarProvider"
import { type Connector, ConnectorNotFound, type ConnectorsRepo } from "../../../services/ConnectorsRepo"
import type { OAuthClient } from "../../../services/OAuthClient"
import type { ProviderAdapters } from "../../../services/ProviderAdapters"
import type { TokenVault } from "../../../services/TokenVault"
import {
  type CaldavConnectFailed,
  type CaldavCredentials,
  ConnectorLimitReached,
  MAX_CONNECTORS_PER_USER,
  type RemoveResult
} from "../../../services/UserConnectors"
import { throttledClient } from "../providerThrottle"
import type { BrokenConnectors } from "./brokenConnectors"
import { internal } from "./connectorErrors"
import type { ConnectorPush } from "./connectorPush"
import type { ConnectorRows } from "./connectorRows"
import type { Credentials } from "./credentials"
import type { OpenConnectors } from "./openConnectors"
import type { TokenRefresh } from "./tokenRefresh"

/** Connecting (OAuth activation, CalDAV credentials) and removing a user's connectors. */
export const makeConnectorLifecycle = (deps: {
  readonly did: string
  readonly repo: ConnectorsRepo["Type"]
  readonly vault: TokenVault["Type"]
  readonly oauth: OAuthClient["Type"]
  readonly adapters: ProviderAdapters["Type"]
  readonly http: HttpClient.HttpClient
  readonly rows: ConnectorRows
  readonly credentials: Credentials
  readonly tokens: TokenRefresh
  readonly connectors: OpenConnectors
  readonly broken: BrokenConnectors
  readonly push: ConnectorPush
  /** Drops what was built from the connector's row (rebuilt on next use); the access token stays. */
  readonly forget: (connectorId: string) => void
}) => {
  const { adapters, broken, connectors, did, forget, oauth, push, repo, rows, tokens, vault } = deps

  /**
   * Finishes a connect: the account and its calendars (a reconnect keeps the owner's choices of which count),
   * active, push channels opened (maintenance retries them when that fails).
   */
  const activate = (
    connectorId: string,
    access?: { readonly accessToken: string; readonly expiresAt: number }
  ): Effect.Effect<Connector, ProviderError | ConnectorNotFound> =>
    Effect.gen(function*() {
      const found = yield* rows.fresh(connectorId)
      if (Option.isNone(found)) return yield* new ConnectorNotFound({ id: connectorId })
      const row = found.value
      if (access !== undefined) tokens.accept(row.id, access)
      const previous = new Map(row.calendars.map((c) => [c.id, c.checkBusy]))
      const discovered = yield* broken.guard(row, Effect.flatMap(connectors.open(row), (c) => c.discover(previous)))
      // The owner's choice of the calendar for holds survives a rediscovery (while that calendar is still there).
      const holds = chosenHoldsCalendar(row.calendars)
      const account = { ...discovered, calendars: discovered.calendars.map((c) => (c.id === holds ? { ...c, holds: true } : c)) }
      yield* repo.updateAccount(row.id, account).pipe(Effect.mapError(internal))
      const activated = yield* repo.setStatus(row.id, "active", ["pending", "broken", "active"]).pipe(Effect.mapError(internal))
      forget(row.id)
      if (Option.isNone(activated)) return yield* new ConnectorNotFound({ id: connectorId })
      yield* broken.guard(activated.value, push.ensure(activated.value)).pipe(
        Effect.catchAll((error) => Effect.logWarning("connectors: push channel not opened (maintenance retries)", { connectorId, error: error._tag }))
      )
      return activated.value
    })

  /** Checks the account (discovery, one busy query), seals the credentials, starts the change feed: active. */
  const connectCaldav = (credentials: CaldavCredentials): Effect.Effect<Connector, CaldavConnectFailed | ConnectorLimitReached | ProviderUnavailable> =>
    Effect.gen(function*() {
      const existing = yield* repo.listForDid(did).pipe(Effect.mapError(internal))
      if (existing.length >= MAX_CONNECTORS_PER_USER) return yield* new ConnectorLimitReached({ limit: MAX_CONNECTORS_PER_USER })
      const adapter = adapters.caldav
      const id = `${adapter.provider}-${crypto.randomUUID()}`
      const connection = yield* adapter.connect(credentials, { connectorId: id, http: throttledClient(deps.http, adapter.quota) })
      const sealed = yield* vault.encrypt(connection.secret, deps.credentials.bindingOf({ id, provider: adapter.provider })).pipe(Effect.mapError(internal))
      const row = yield* repo.create({
        id,
        did,
        provider: adapter.provider,
        status: "active",
        accountRef: connection.account.accountRef,
        sealed,
        tokenExpiresAt: null,
        calendars: connection.account.calendars
      }).pipe(Effect.mapError(internal))
      // Start the change feed now, so the first poll reports changes rather than everything.
      const syncChanges = connection.connector.syncChanges
      if (syncChanges !== undefined) {
        yield* Effect.forEach(connection.account.calendars, (c) =>
          syncChanges(c.id, undefined).pipe(
            Effect.flatMap((result) => repo.setSyncToken(id, c.id, result.syncToken)),
            Effect.catchAll(() => Effect.void)
          ), { discard: true })
      }
      forget(id)
      return row
    })

  /** Stops push channels, revokes the grant where the provider can, deletes the credential. */
  const remove = (connectorId: string): Effect.Effect<RemoveResult, ConnectorNotFound | ProviderUnavailable> =>
    Effect.gen(function*() {
      const found = yield* rows.fresh(connectorId)
      if (Option.isNone(found)) return yield* new ConnectorNotFound({ id: connectorId })
      const row = found.value
      const signIn = adapters[row.provider].signIn
      broken.removing.add(row.id)
      let revoked = false
      yield* Effect.gen(function*() {
        yield* push.stop(row, row.status === "active")
        if (signIn.kind === "oauth" && signIn.revokesGrant && row.tokenCiphertext !== null) {
          revoked = yield* Effect.gen(function*() {
            yield* oauth.revoke(signIn.provider, yield* tokens.refreshToken(row))
            return true
          }).pipe(
            Effect.timeout("20 seconds"),
            Effect.catchAll(() => Effect.as(Effect.logWarning("connectors: could not revoke at the provider; the credential is deleted anyway", { connectorId }), false))
          )
        }
        yield* repo.remove(row.id).pipe(Effect.mapError(internal))
      }).pipe(Effect.ensuring(Effect.sync(() => {
        broken.removing.delete(row.id)
        connectors.close(row.id)
        tokens.drop(row.id)
        forget(row.id)
      })))
      return { revoked }
    })

  return { activate, connectCaldav, remove }
}
