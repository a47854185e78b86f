import { chosenHoldsCalendar } from "../../../domain/calendar/holdsCalendar"
import type { OutboundGuard } from "../../../services/OutboundGuard"
import { HttpClient } from "@effect/platform"
import { Clock, Effect, Schema } from "effect"
import type { ExpansionLimits } from "../../../domain/calendar/expansionBudget"
import { ConnectorBroken, type ProviderError } from "../../../services/CalendarProvider"
import type { ConnectorCalendarEntry } from "../../../services/ConnectorsRepo"
import type { CredentialProviderAdapter, OpenedConnector } from "../../../services/ProviderAdapters"
import { CaldavConnectFailed } from "../../../services/UserConnectors"
import { type CaldavCalendar, makeCaldavCalendar } from "./CaldavCalendar"
import { CaldavSecretJson } from "./caldavCredentials"
import { acceptsEvents, type CaldavCalendarInfo } from "./caldavDiscovery"
import { checkServerUrl } from "./caldavHttp"

/** Requests in flight per CalDAV connector. */
export const CALDAV_CONCURRENCY = 4

export interface CaldavAdapterOptions {
  /** Bounds on expanding recurring events (ConnectorSettings.expansionLimits). */
  readonly expansionLimits: ExpansionLimits
  /** Where CalDAV requests may go (never a private, loopback or metadata address outside development). */
  readonly outbound: OutboundGuard["Type"]
}

/** The event calendars, at most 100; a calendar counts unless its owner said otherwise before. */
const eventCalendars = (
  calendars: ReadonlyArray<CaldavCalendarInfo>,
  previous: ReadonlyMap<string, boolean>
): ReadonlyArray<ConnectorCalendarEntry> =>
  calendars
    .filter(acceptsEvents)
    .slice(0, 100)
    .map((c) => ({ id: c.url, name: c.displayName ?? new URL(c.url).pathname, checkBusy: previous.get(c.url) ?? true }))

const opened = (caldav: CaldavCalendar, accountRef: string | null): OpenedConnector => ({
  busy: caldav.busy,
  placeHold: caldav.placeHold,
  confirmHold: caldav.confirmHold,
  moveHold: caldav.moveHold,
  releaseHold: caldav.releaseHold,
  busyReport: caldav.busyReport,
  foreignBusy: caldav.foreignBusy,
  discover: (previous) => Effect.map(caldav.discover, (account) => ({ accountRef, calendars: eventCalendars(account.calendars, previous) })),
  syncChanges: caldav.syncChanges
})

/** A provider error met while connecting, in the terms the connect form needs. */
const connectFailed = (error: ProviderError): CaldavConnectFailed => {
  switch (error._tag) {
    case "ConnectorBroken":
      return /refused the credentials/.test(error.reason)
        ? new CaldavConnectFailed({ reason: "credentials", message: "the CalDAV server refused the username or app password" })
        : /https|not a URL|refusing to send/.test(error.reason)
        ? new CaldavConnectFailed({ reason: "insecure-url", message: `serverUrl: ${error.reason}` })
        : new CaldavConnectFailed({ reason: "not-caldav", message: `serverUrl: ${error.reason}` })
    case "ProviderRateLimited":
      return new CaldavConnectFailed({ reason: "rate-limited", message: "the CalDAV server asks to slow down", retryAfterMs: error.retryAfterMs })
    case "ProviderUnavailable":
      return new CaldavConnectFailed({ reason: "unreachable", message: "the CalDAV server could not be reached" })
    case "ProviderRejected":
      return new CaldavConnectFailed({ reason: "not-caldav", message: `serverUrl: the server did not answer as a CalDAV server (${error.message})` })
  }
}

/** CalDAV: a username and app password (sealed), busy time expanded here, changes polled with sync tokens. */
export const makeCaldavAdapter = (options: CaldavAdapterOptions): CredentialProviderAdapter => ({
  provider: "caldav",
  signIn: { kind: "credential" },
  quota: { kind: "concurrent", permits: CALDAV_CONCURRENCY },
  changeFeed: "poll",
  open: ({ credential, http, row }) =>
    Effect.gen(function*() {
      const broken = (reason: string) => new ConnectorBroken({ provider: row.provider, connectorId: row.id, reason })
      const secret = yield* Schema.decodeUnknown(CaldavSecretJson)(yield* credential).pipe(
        Effect.mapError(() => broken("the stored credential is not a CalDAV credential"))
      )
      if (row.accountRef === null) return yield* broken("no CalDAV server URL")
      // None that blocks is a choice too: an empty list, never "every calendar discovered".
      const busyCalendars = row.calendars.filter((c) => c.checkBusy).map((c) => c.id)
      const holdCalendarUrl = chosenHoldsCalendar(row.calendars) ?? busyCalendars[0] ?? row.calendars[0]?.id
      const caldav = yield* makeCaldavCalendar({
        connectorId: row.id,
        serverUrl: row.accountRef,
        username: secret.username,
        password: secret.password,
        expansionLimits: options.expansionLimits,
        outbound: options.outbound,
        ...(row.calendars.length > 0 ? { calendarUrls: busyCalendars } : {}),
        ...(holdCalendarUrl === undefined ? {} : { holdCalendarUrl })
      })
      return opened(caldav, row.accountRef)
    }).pipe(Effect.provideService(HttpClient.HttpClient, http)),
  connect: (credentials, { connectorId, http }) =>
    Effect.gen(function*() {
      yield* checkServerUrl(credentials.serverUrl, connectorId).pipe(
        Effect.mapError((e) => new CaldavConnectFailed({ reason: "insecure-url", message: `serverUrl: ${e.reason}` }))
      )
      yield* options.outbound.check(credentials.serverUrl).pipe(
        Effect.mapError((refused) =>
          refused.transient
            ? new CaldavConnectFailed({ reason: "unreachable", message: `serverUrl: ${refused.message.replace(/^url /, "")}` })
            : new CaldavConnectFailed({ reason: "insecure-url", message: `serverUrl: ${refused.message.replace(/^url /, "")}` })
        )
      )
      const caldav = yield* makeCaldavCalendar({
        connectorId,
        serverUrl: credentials.serverUrl,
        username: credentials.username,
        password: credentials.password,
        expansionLimits: options.expansionLimits,
        outbound: options.outbound
      }).pipe(Effect.provideService(HttpClient.HttpClient, http))
      const account = yield* caldav.discover.pipe(Effect.mapError(connectFailed))
      const calendars = eventCalendars(account.calendars, new Map())
      if (calendars.length === 0) return yield* new CaldavConnectFailed({ reason: "not-caldav", message: "serverUrl: the account has no event calendars" })
      // One real query: credentials that discover but cannot read would otherwise fail at the first match.
      const now = yield* Clock.currentTimeMillis
      yield* caldav.busy({ start: now, end: now + 86_400_000 }).pipe(Effect.mapError(connectFailed))
      return {
        account: { accountRef: credentials.serverUrl, calendars },
        secret: Schema.encodeSync(CaldavSecretJson)({ username: credentials.username, password: credentials.password }),
        connector: opened(caldav, credentials.serverUrl)
      }
    })
})
