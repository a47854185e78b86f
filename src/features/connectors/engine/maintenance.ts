import { Clock, Effect, Option } from "effect"
import type { ProviderError, ProviderUnavailable } from "../../../services/CalendarProvider"
import type { Connector, ConnectorNotFound, ConnectorsRepo } from "../../../services/ConnectorsRepo"
import type { ProviderAdapters } from "../../../services/ProviderAdapters"
import type { PushChannels } from "../../../services/PushChannels"
import type { TokenVault } from "../../../services/TokenVault"
import type { MaintenanceReport } from "../../../services/UserConnectors"
import type { BrokenConnectors } from "./brokenConnectors"
import type { BusyCache } from "./busyCache"
import { internal } from "./connectorErrors"
import type { ConnectorPush } from "./connectorPush"
import type { ConnectorRows } from "./connectorRows"
import type { Credentials } from "./credentials"
import type { OpenConnectors } from "./openConnectors"
import type { TokenRefresh } from "./tokenRefresh"

/** The refresh-oauth cron refreshes tokens expiring within this long (it runs every 10 minutes). */
export const REFRESH_HORIZON_MS = 15 * 60_000
/** Push channels expiring within this long are renewed. */
export const PUSH_RENEW_HORIZON_MS = 12 * 3_600_000
/** A pending OAuth connector older than this is activated again by maintenance (the callback's attempt failed). */
export const PENDING_RETRY_AFTER_MS = 60_000

/**
 * One maintenance pass over a user's connectors (the refresh-oauth cron): unfinished OAuth connects activated
 * again, credentials re-wrapped under the current vault key, tokens refreshed, push channels renewed and
 * opened, polled calendars checked for changes.
 */
export const makeMaintenance = (deps: {
  readonly repo: ConnectorsRepo["Type"]
  readonly vault: TokenVault["Type"]
  readonly channels: PushChannels["Type"]
  readonly adapters: ProviderAdapters["Type"]
  readonly rows: ConnectorRows
  readonly busyCache: BusyCache
  readonly credentials: Credentials
  readonly tokens: TokenRefresh
  readonly connectors: OpenConnectors
  readonly broken: BrokenConnectors
  readonly push: ConnectorPush
  readonly activate: (connectorId: string) => Effect.Effect<Connector, ProviderError | ConnectorNotFound>
}) => {
  const { adapters, broken, busyCache, channels, connectors, push, repo, rows, tokens, vault } = deps

  /** Asks each counted calendar what changed since its sync token; true when something did. */
  const poll = (row: Connector): Effect.Effect<boolean, ProviderError> =>
    Effect.gen(function*() {
      const syncChanges = (yield* connectors.open(row)).syncChanges
      if (syncChanges === undefined) return false
      let changed = false
      for (const calendar of row.calendars.filter((c) => c.checkBusy)) {
        const known = yield* repo.getSyncToken(row.id, calendar.id).pipe(Effect.mapError(internal))
        const token = Option.getOrUndefined(known)
        const result = yield* syncChanges(calendar.id, token).pipe(
          Effect.catchTag("SyncTokenGone", () =>
            Effect.sync(() => void (changed = true)).pipe(Effect.zipRight(syncChanges(calendar.id, undefined)))),
          Effect.catchTag("SyncTokenGone", (e) => Effect.fail(internal(e)))
        )
        if (token !== undefined && result.changed > 0) changed = true
        if (result.syncToken !== token) yield* repo.setSyncToken(row.id, calendar.id, result.syncToken).pipe(Effect.mapError(internal))
      }
      if (changed) busyCache.invalidate()
      return changed
    })

  const maintain: Effect.Effect<MaintenanceReport, ProviderUnavailable> = Effect.gen(function*() {
    rows.invalidate()
    const list = yield* rows.load
    const now = yield* Clock.currentTimeMillis
    const report = { refreshed: [] as Array<string>, renewedChannels: [] as Array<string>, changed: [] as Array<string>, failed: [] as Array<string> }
    const step = <A>(row: Connector, effect: Effect.Effect<A, ProviderError | ConnectorNotFound>) =>
      broken.guard(row, effect).pipe(
        Effect.map(Option.some),
        Effect.catchAll((error) =>
          Effect.as(
            Effect.sync(() => {
              if (error._tag !== "ConnectorBroken" && !report.failed.includes(row.id)) report.failed.push(row.id)
            }).pipe(Effect.zipRight(Effect.logWarning("connectors: maintenance step failed", { connectorId: row.id, error: error._tag }))),
            Option.none<A>()
          ))
      )
    for (const row of list) {
      const adapter = adapters[row.provider]
      const oauth = adapter.signIn.kind === "oauth"
      if (row.status === "pending" && oauth && now - row.createdAt > PENDING_RETRY_AFTER_MS) {
        yield* step(row, deps.activate(row.id))
        continue
      }
      // Re-wrap a credential sealed under an old vault key, whatever the status (the rotation job in
      // features/connectors/vaultKeys.ts does the same for every row; here the user's own object gets there first).
      if (row.tokenCiphertext !== null) {
        yield* vault.rotate(row.tokenCiphertext, deps.credentials.bindingOf(row)).pipe(
          Effect.flatMap(Option.match({
            onNone: () => Effect.void,
            onSome: (sealed) => repo.updateTokens(row.id, sealed, row.tokenExpiresAt)
          })),
          Effect.catchAll((error) => Effect.logWarning("connectors: key rotation skipped", { connectorId: row.id, error: error._tag }))
        )
      }
      if (row.status !== "active") continue
      if (oauth && (row.tokenExpiresAt ?? 0) <= now + REFRESH_HORIZON_MS) {
        const refreshed = yield* step(row, tokens.refreshIfStale(row.id, REFRESH_HORIZON_MS))
        if (Option.isSome(refreshed) && refreshed.value) report.refreshed.push(row.id)
        if (Option.isNone(refreshed)) continue
      }
      if (adapter.changeFeed === "push") {
        const due = yield* channels.forConnector(row.id).pipe(
          Effect.map((list) => list.filter((c) => c.expiresAt <= now + PUSH_RENEW_HORIZON_MS)),
          Effect.mapError(internal)
        )
        for (const channel of due) {
          const renewed = yield* step(row, push.renew(row, channel))
          if (Option.isSome(renewed)) report.renewedChannels.push(renewed.value)
        }
        yield* step(row, push.ensure(row))
      }
      if (adapter.changeFeed === "poll") {
        const changed = yield* step(row, poll(row))
        if (Option.isSome(changed)) {
          yield* repo.markSynced(row.id, now).pipe(Effect.ignore)
          if (changed.value) report.changed.push(row.id)
        }
      }
    }
    return report
  })

  return { maintain }
}
