import { HttpClient } from "@effect/platform"
import type { MeetingDetails } from "../../domain/booking/meetingPlace"
import { Effect } from "effect"
import type { HoldGone, HoldRef, HoldRequest, Interval, ProviderError, ProviderUnavailable } from "../../services/CalendarProvider"
import { ConnectorNotices } from "../../services/ConnectorNotices"
import { type Connector, type ConnectorNotFound, ConnectorsRepo } from "../../services/ConnectorsRepo"
import { OAuthClient } from "../../services/OAuthClient"
import { ProviderAdapters } from "../../services/ProviderAdapters"
import { PushChannels } from "../../services/PushChannels"
import { TokenVault } from "../../services/TokenVault"
import type {
  CaldavConnectFailed,
  CaldavCredentials,
  ConnectorLimitReached,
  HoldToCheck,
  MaintenanceReport,
  RemoveResult
} from "../../services/UserConnectors"
import { ConnectorSettings } from "./ConnectorSettings"
import { makeBrokenConnectors } from "./engine/brokenConnectors"
import { makeBusyCache } from "./engine/busyCache"
import { makeCalendarOperations } from "./engine/calendarOperations"
import { makeConnectorLifecycle } from "./engine/connectorLifecycle"
import { makeConnectorPush } from "./engine/connectorPush"
import { makeConnectorRows } from "./engine/connectorRows"
import { makeCredentials } from "./engine/credentials"
import { makeMaintenance } from "./engine/maintenance"
import { makeOpenConnectors } from "./engine/openConnectors"
import { makeTokenRefresh } from "./engine/tokenRefresh"

/**
 * The connectors of ONE user, as `UserConnectorDO` runs them (and tests run them in-process): everything in
 * here lives in the object's memory and nowhere else. This file only wires the parts (engine/) over one
 * user's state; what differs between providers is their adapter's (ProviderAdapters, composed in src/entry).
 *
 * - Credentials are decrypted with TokenVault only when needed and kept in memory; access tokens never leave
 *   it, and one refresher at a time per connector (engine/tokenRefresh.ts).
 * - A connector that answers ConnectorBroken is marked broken once and its owner told (engine/brokenConnectors.ts).
 * - Quotas: each adapter's RequestQuota, one HTTP client per connector (providerThrottle.ts).
 * - Free/busy answers are reused for at most ConnectorSettings.busyCacheMs (≤ 60 s), in memory only, and
 *   dropped whenever a hold is written or the calendar changes (engine/busyCache.ts).
 * - A CalDAV recurring event that cannot be expanded within ConnectorSettings.expansionLimits counts busy for its
 *   whole span, and the connector's `warning` tells its owner (engine/calendarOperations.ts).
 */

export type UserConnectorEngineServices =
  | ConnectorsRepo
  | TokenVault
  | OAuthClient
  | HttpClient.HttpClient
  | ConnectorNotices
  | PushChannels
  | ConnectorSettings
  | ProviderAdapters

export interface UserConnectorEngine {
  readonly did: string
  readonly busy: (range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  readonly placeHold: (hold: HoldRequest) => Effect.Effect<HoldRef, ProviderError>
  readonly confirmHold: (ref: HoldRef, meeting?: MeetingDetails) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly moveHold: (ref: HoldRef, to: Interval) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly releaseHold: (ref: HoldRef) => Effect.Effect<void, ProviderError>
  readonly activate: (
    connectorId: string,
    access?: { readonly accessToken: string; readonly expiresAt: number }
  ) => Effect.Effect<Connector, ProviderError | ConnectorNotFound>
  readonly connectCaldav: (credentials: CaldavCredentials) => Effect.Effect<Connector, CaldavConnectFailed | ConnectorLimitReached | ProviderUnavailable>
  readonly remove: (connectorId: string) => Effect.Effect<RemoveResult, ConnectorNotFound | ProviderUnavailable>
  readonly maintain: Effect.Effect<MaintenanceReport, ProviderUnavailable>
  readonly calendarChanged: (connectorId: string) => Effect.Effect<void>
  readonly findConflicts: (holds: ReadonlyArray<HoldToCheck>) => Effect.Effect<ReadonlyArray<string>, ProviderError>
}

export const makeUserConnectorEngine = (did: string): Effect.Effect<UserConnectorEngine, never, UserConnectorEngineServices> =>
  Effect.gen(function*() {
    const repo = yield* ConnectorsRepo
    const vault = yield* TokenVault
    const oauth = yield* OAuthClient
    const http = yield* HttpClient.HttpClient
    const notices = yield* ConnectorNotices
    const channels = yield* PushChannels
    const settings = yield* ConnectorSettings
    const adapters = yield* ProviderAdapters

    const rows = makeConnectorRows(did, repo)
    const busyCache = makeBusyCache(settings.busyCacheMs)
    const credentials = makeCredentials(did, vault)
    /** Drops what was built from the connector's row (rebuilt on next use); the access token stays. */
    const forget = (id: string) => {
      connectors.forget(id)
      rows.invalidate()
      busyCache.invalidate()
    }
    const broken = makeBrokenConnectors({
      did,
      repo,
      notices,
      onBroken: (id) => {
        tokens.drop(id)
        forget(id)
      }
    })
    const tokens = makeTokenRefresh({ repo, vault, oauth, adapters, rows, credentials, markBroken: broken.markBroken })
    const connectors = makeOpenConnectors({ adapters, http, tokens, credentials })
    const push = makeConnectorPush({ did, channels, settings, connectors })
    const operations = makeCalendarOperations({ repo, rows, busyCache, connectors, broken })
    const lifecycle = makeConnectorLifecycle({
      did,
      repo,
      vault,
      oauth,
      adapters,
      http,
      rows,
      credentials,
      tokens,
      connectors,
      broken,
      push,
      forget
    })
    const { maintain } = makeMaintenance({
      repo,
      vault,
      channels,
      adapters,
      rows,
      busyCache,
      credentials,
      tokens,
      connectors,
      broken,
      push,
      activate: (id) => lifecycle.activate(id)
    })

    return { did, ...operations, ...lifecycle, maintain }
  })
