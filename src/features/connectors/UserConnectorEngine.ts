import { HttpClient } from "@effect/platform"
import { Clock, Effect, Option, Schedule, Schema } from "effect"
import { pushUrls } from "../push/routes"
import { pushChannelToken } from "../push/pushSecret"
import { connectorBrokenNoticeId } from "../../domain/calendar/connectorNotice"
import { expansionWarning, type UnexpandedSeries } from "../../domain/calendar/expansionWarning"
import { mergeBusy } from "../../domain/calendar/ranges"
import type { OAuthProvider } from "../../domain/oauth/providers"
import {
  ConnectorBroken,
  HoldGone,
  type HoldRef,
  type HoldRequest,
  type Interval,
  type ProviderError,
  ProviderRejected,
  ProviderUnavailable
} from "../../services/CalendarProvider"
import { ConnectorNotices } from "../../services/ConnectorNotices"
import { type Connector, type ConnectorCalendarEntry, ConnectorNotFound, ConnectorsRepo } from "../../services/ConnectorsRepo"
import { OAuthClient } from "../../services/OAuthClient"
import { type PushChannel, PushChannels } from "../../services/PushChannels"
import { TokenVault } from "../../services/TokenVault"
import { type TokenBinding } from "../../domain/tokenVault/tokenBinding"
import {
  CaldavConnectFailed,
  type CaldavCredentials,
  ConnectorLimitReached,
  type HoldToCheck,
  MAX_CONNECTORS_PER_USER,
  type MaintenanceReport,
  type RemoveResult
} from "../../services/UserConnectors"
import { type CaldavCalendar, makeCaldavCalendar } from "../../adapters/providers/caldav/CaldavCalendar"
import { acceptsEvents } from "../../adapters/providers/caldav/caldavDiscovery"
import { CaldavSecretJson } from "../../adapters/providers/caldav/caldavCredentials"
import { checkServerUrl } from "../../adapters/providers/caldav/caldavHttp"
import type { AccessTokenGetter, ConnectorCalendar } from "../../adapters/providers/ConnectorCalendar"
import { type GoogleApi, makeGoogleApi, makeGoogleCalendar } from "../../adapters/providers/google/GoogleCalendar"
import { renewGoogleChannel, stopGoogleChannel, watchGoogleCalendar } from "../../adapters/providers/google/GooglePush"
import { createGraphSubscription, deleteGraphSubscription, GRAPH_EVENT_SUBSCRIPTION_MAX_MS, renewGraphSubscription } from "../../adapters/providers/microsoft/GraphPush"
import { type GraphApi, makeGraphApi, makeMicrosoftCalendar } from "../../adapters/providers/microsoft/MicrosoftCalendar"
import { graphMailboxAddress, listGoogleCalendars } from "../../adapters/providers/ProviderAccounts"
import { ConnectorSettings } from "./ConnectorSettings"
import { concurrencyClient, quotaClient, rateLimitedByQuota } from "./providerThrottle"

/**
 * The connectors of ONE user, as `UserConnectorDO` runs them (and tests run them in-process): everything in
 * here lives in the object's memory and nowhere else.
 *
 * - Credentials are decrypted with TokenVault only when needed and kept in memory; access tokens never leave it.
 * - One refresher at a time per connector: refreshes run under a per-connector lock, and a caller that waited
 *   for the lock uses the token the previous holder obtained instead of refreshing again (refresh tokens can
 *   be single-use: Microsoft rotates them on every refresh).
 * - A connector that answers ConnectorBroken (invalid_grant, revoked access, a deleted calendar) is marked
 *   `broken` in D1 once, and its owner is told; while it is broken, `busy` fails with ConnectorBroken so a
 *   match refuses rather than ignoring that calendar.
 * - Quotas: a token bucket per Google connector (600 requests/min/user), a semaphore of 4 per Microsoft mailbox.
 * - Free/busy answers are reused for at most ConnectorSettings.busyCacheMs (≤ 60 s), in memory only, and
 *   dropped whenever a hold is written or the calendar changes.
 * - A CalDAV recurring event that cannot be expanded within ConnectorSettings.expansionLimits counts busy for its
 *   whole span, and the connector's `warning` tells its owner (set and cleared by the busy reads that see it).
 */

/** A token that expires within this long counts as expired. */
const ACCESS_TOKEN_SKEW_MS = 60_000
/** The refresh-oauth cron refreshes tokens expiring within this long (it runs every 10 minutes). */
export const REFRESH_HORIZON_MS = 15 * 60_000
/** Push channels expiring within this long are renewed. */
export const PUSH_RENEW_HORIZON_MS = 12 * 3_600_000
/** Google channels are asked for a week (Google may shorten it). */
const GOOGLE_CHANNEL_TTL_MS = 7 * 24 * 3_600_000
/** Connector rows are re-read from D1 at least this often (other writers: the connect flow, the API). */
const ROWS_TTL_MS = 30_000
/** last_sync_at is written at most this often per connector. */
const SYNC_MARK_INTERVAL_MS = 60_000
/** A pending OAuth connector older than this is activated again by maintenance (the callback's attempt failed). */
export const PENDING_RETRY_AFTER_MS = 60_000
const MAX_CACHED_RANGES = 64

type Deps = ConnectorsRepo | TokenVault | OAuthClient | HttpClient.HttpClient | ConnectorNotices | PushChannels | ConnectorSettings

interface TokenState {
  accessToken: string | undefined
  expiresAt: number
  /** Bumped by every successful refresh: a waiter that sees it move knows someone refreshed for it. */
  generation: number
  /** A rotated refresh token whose D1 write failed: kept here so it is not lost (the old one is dead). */
  unsavedRefreshToken: string | undefined
  readonly lock: Effect.Semaphore
}

interface Backend {
  readonly signature: string
  readonly calendar: ConnectorCalendar
  readonly google?: GoogleApi
  readonly graph?: GraphApi
  readonly caldav?: CaldavCalendar
}

export interface UserConnectorEngine {
  readonly did: string
  readonly busy: (range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  readonly placeHold: (hold: HoldRequest) => Effect.Effect<HoldRef, ProviderError>
  readonly confirmHold: (ref: HoldRef) => Effect.Effect<HoldRef, ProviderError | HoldGone>
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

/** Storage trouble of Overlap's own (D1, the vault, the push channel table): retryable, never "free". */
const internal = (cause: unknown) => new ProviderUnavailable({ provider: "overlap", cause })

const isOAuth = (provider: Connector["provider"]): provider is OAuthProvider => provider === "google" || provider === "microsoft"

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end

export const makeUserConnectorEngine = (did: string): Effect.Effect<UserConnectorEngine, never, Deps> =>
  Effect.gen(function*() {
    const repo = yield* ConnectorsRepo
    const vault = yield* TokenVault
    const oauth = yield* OAuthClient
    const http = yield* HttpClient.HttpClient
    const notices = yield* ConnectorNotices
    const channels = yield* PushChannels
    const settings = yield* ConnectorSettings

    // ------------------------------------------------------------ rows

    let rows: { readonly at: number; readonly list: ReadonlyArray<Connector> } | undefined
    const invalidateRows = () => void (rows = undefined)
    const loadRows = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (rows !== undefined && now - rows.at < ROWS_TTL_MS) return rows.list
      const list = yield* repo.listForDid(did).pipe(Effect.mapError(internal))
      rows = { at: now, list }
      return list
    })
    const freshRow = (id: string) =>
      repo.get(id).pipe(
        Effect.mapError(internal),
        Effect.map(Option.filter((row) => row.did === did && row.status !== "removed"))
      )
    const counted = (list: ReadonlyArray<Connector>) => list.filter((row) => row.status === "active" || row.status === "broken")
    const brokenError = (row: Connector, reason = "the connector needs reconnecting") =>
      new ConnectorBroken({ provider: row.provider, connectorId: row.id, reason })

    // ------------------------------------------------------------ free/busy cache (memory only)

    const cache = new Map<string, { readonly at: number; readonly intervals: ReadonlyArray<Interval> }>()
    let cacheGeneration = 0
    const invalidateBusy = () => {
      cache.clear()
      cacheGeneration++
    }

    // ------------------------------------------------------------ broken connectors

    const removing = new Set<string>()
    const tokenStates = new Map<string, TokenState>()
    const backends = new Map<string, Backend>()
    const clients = new Map<string, HttpClient.HttpClient>()
    /** Drops what was built from the connector's row (rebuilt on next use); the access token stays. */
    const forget = (id: string) => {
      backends.delete(id)
      invalidateRows()
      invalidateBusy()
    }

    const sendNotice = (notice: Parameters<typeof notices.send>[0]) =>
      notices.send(notice).pipe(
        Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(2)))),
        Effect.catchAll((error) => Effect.logError("connectors: could not enqueue a notice", { kind: notice.kind, error: error._tag }))
      )

    /** Marks the connector broken (once) and tells its owner; every later busy fails until they reconnect. */
    const markBroken = (row: Pick<Connector, "id" | "provider">, reason: string) =>
      Effect.gen(function*() {
        if (removing.has(row.id)) return
        const changed = yield* repo.setStatus(row.id, "broken", ["active", "pending"]).pipe(
          Effect.catchAll((error) => Effect.as(Effect.logError("connectors: could not mark a connector broken", { connectorId: row.id, error: error._tag }), Option.none()))
        )
        tokenStates.delete(row.id)
        forget(row.id)
        if (Option.isNone(changed)) return
        yield* Effect.logWarning("connectors: connector broken", { connectorId: row.id, provider: row.provider, reason })
        yield* sendNotice({
          kind: "connector-broken",
          id: connectorBrokenNoticeId(row.id, changed.value.updatedAt),
          did,
          recipients: [did],
          connectorId: row.id,
          provider: row.provider,
          reason,
          at: changed.value.updatedAt
        })
      })

    /** Runs a provider operation for `row`: the local quota as ProviderRateLimited, ConnectorBroken marks the row. */
    const guard = <A, E>(row: Pick<Connector, "id" | "provider">, effect: Effect.Effect<A, E>) =>
      rateLimitedByQuota(effect).pipe(
        Effect.tapError((error) => (error instanceof ConnectorBroken ? markBroken(row, error.reason) : Effect.void))
      )

    // ------------------------------------------------------------ credentials (memory only)

    const bindingOf = (row: Pick<Connector, "id" | "provider">): TokenBinding => ({ did, provider: row.provider, connectorId: row.id })

    const decrypt = (row: Connector) =>
      Effect.gen(function*() {
        if (row.tokenCiphertext === null) return yield* brokenError(row, "no stored credential")
        return yield* vault.decrypt(row.tokenCiphertext, bindingOf(row)).pipe(
          Effect.catchTags({
            // The envelope does not open for this connector: unusable until the user connects again.
            VaultDecryptFailed: () => Effect.fail(brokenError(row, "the stored credential does not open")),
            VaultKeyMissing: (cause) => Effect.fail(internal(cause)),
            VaultConfigInvalid: (cause) => Effect.fail(internal(cause))
          })
        )
      })

    const stateOf = (id: string): TokenState => {
      let state = tokenStates.get(id)
      if (state === undefined) {
        state = { accessToken: undefined, expiresAt: 0, generation: 0, unsavedRefreshToken: undefined, lock: Effect.unsafeMakeSemaphore(1) }
        tokenStates.set(id, state)
      }
      return state
    }
    const fresh = (state: TokenState, now: number, marginMs = ACCESS_TOKEN_SKEW_MS) =>
      state.accessToken !== undefined && state.expiresAt - marginMs > now

    /** Refreshes the access token. Call only while holding `state.lock`. */
    const refreshLocked = (id: string, state: TokenState): Effect.Effect<string, ConnectorBroken | ProviderUnavailable> =>
      Effect.gen(function*() {
        const found = yield* freshRow(id)
        if (Option.isNone(found)) return yield* new ConnectorBroken({ provider: "overlap", connectorId: id, reason: "the connector was removed" })
        const row = found.value
        if (row.status === "broken") return yield* brokenError(row)
        if (!isOAuth(row.provider)) return yield* internal(new Error("CalDAV connectors have no access token"))
        const refreshToken = state.unsavedRefreshToken ?? (yield* decrypt(row))
        const tokens = yield* oauth.refresh(row.provider, refreshToken, id).pipe(
          Effect.catchTags({
            ConnectorBroken: (error) => Effect.zipRight(markBroken(row, error.reason), Effect.fail(error)),
            ProviderRateLimited: (error) => Effect.fail(internal(error)),
            ProviderRejected: (error) => Effect.fail(internal(error)),
            OAuthNotConfigured: (error) => Effect.fail(internal(error))
          })
        )
        const rotated = tokens.refreshToken !== refreshToken
        const sealed = rotated
          ? yield* vault.encrypt(tokens.refreshToken, bindingOf(row)).pipe(Effect.mapError(internal))
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
        invalidateRows()
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

    /** Refreshes unless the token stays good beyond `marginMs` (the cron). */
    const refreshIfStale = (id: string, marginMs: number) => {
      const state = stateOf(id)
      return state.lock.withPermits(1)(
        Effect.flatMap(Clock.currentTimeMillis, (now) => (fresh(state, now, marginMs) ? Effect.succeed(false) : Effect.as(refreshLocked(id, state), true)))
      )
    }

    // ------------------------------------------------------------ backends

    const clientFor = (row: Connector) => {
      let client = clients.get(row.id)
      if (client === undefined) {
        client = row.provider === "google" ? quotaClient(http) : concurrencyClient(http)
        clients.set(row.id, client)
      }
      return client
    }

    const signatureOf = (row: Connector) => JSON.stringify([row.provider, row.accountRef, row.calendars, row.holdsTarget, row.keyId])

    const buildBackend = (row: Connector): Effect.Effect<Backend, ConnectorBroken | ProviderUnavailable> =>
      Effect.gen(function*() {
        const signature = signatureOf(row)
        if (row.provider === "google") {
          const options = {
            connectorId: row.id,
            getAccessToken: accessToken(row.id),
            ...(settings.googleApiBase === undefined ? {} : { apiBase: settings.googleApiBase })
          }
          const google = yield* makeGoogleApi(options)
          const calendar = yield* makeGoogleCalendar({
            ...options,
            calendarIds: row.calendars.filter((c) => c.checkBusy && c.primary !== true).map((c) => c.id)
          })
          return { signature, calendar, google }
        }
        if (row.provider === "microsoft") {
          const options = {
            connectorId: row.id,
            getAccessToken: accessToken(row.id),
            ...(settings.graphApiBase === undefined ? {} : { apiBase: settings.graphApiBase })
          }
          const graph = yield* makeGraphApi(options)
          const calendar = yield* makeMicrosoftCalendar({ ...options, schedules: row.accountRef === null ? [] : [row.accountRef] })
          return { signature, calendar, graph }
        }
        const secret = yield* Schema.decodeUnknown(CaldavSecretJson)(yield* decrypt(row)).pipe(
          Effect.mapError(() => brokenError(row, "the stored credential is not a CalDAV credential"))
        )
        if (row.accountRef === null) return yield* brokenError(row, "no CalDAV server URL")
        const busyCalendars = row.calendars.filter((c) => c.checkBusy).map((c) => c.id)
        const caldav = yield* makeCaldavCalendar({
          connectorId: row.id,
          serverUrl: row.accountRef,
          username: secret.username,
          password: secret.password,
          expansionLimits: settings.expansionLimits,
          ...(busyCalendars.length > 0 ? { calendarUrls: busyCalendars } : {})
        })
        return { signature, calendar: caldav, caldav }
      }).pipe(Effect.provideService(HttpClient.HttpClient, clientFor(row)))

    const backendFor = (row: Connector) =>
      Effect.gen(function*() {
        const known = backends.get(row.id)
        if (known !== undefined && known.signature === signatureOf(row)) return known
        const built = yield* buildBackend(row)
        backends.set(row.id, built)
        return built
      })

    // ------------------------------------------------------------ calendar operations

    const lastMarked = new Map<string, number>()
    const markSynced = (row: Connector, now: number) =>
      now - (lastMarked.get(row.id) ?? 0) < SYNC_MARK_INTERVAL_MS
        ? Effect.void
        : Effect.sync(() => lastMarked.set(row.id, now)).pipe(Effect.zipRight(repo.markSynced(row.id, now)), Effect.ignore)

    const busy = (range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      Effect.gen(function*() {
        if (!(range.end > range.start)) return []
        const key = `${range.start}:${range.end}`
        const now = yield* Clock.currentTimeMillis
        const hit = cache.get(key)
        if (hit !== undefined && now - hit.at < settings.busyCacheMs) return hit.intervals
        const generation = cacheGeneration
        const list = counted(yield* loadRows)
        const broken = list.find((row) => row.status === "broken")
        if (broken !== undefined) return yield* brokenError(broken)
        if (list.length === 0) return yield* new ConnectorBroken({ provider: "overlap", connectorId: "", reason: "no calendar connector is active" })
        const parts = yield* Effect.forEach(list, (row) => guard(row, Effect.flatMap(backendFor(row), (b) => busyOf(row, b, range))), {
          concurrency: 4
        })
        const merged = mergeBusy(parts.flat(), range)
        // A hold written (or a change pushed) while this answer was on its way makes it stale: do not keep it.
        if (generation === cacheGeneration && settings.busyCacheMs > 0) {
          cache.set(key, { at: now, intervals: merged })
          if (cache.size > MAX_CACHED_RANGES) cache.delete(cache.keys().next().value!)
        }
        yield* Effect.forEach(list, (row) => markSynced(row, now), { discard: true })
        return merged
      })

    /**
     * A backend's busy time. For CalDAV also what the expansion ran into: recurring events counted busy for
     * their whole span are the owner's to fix, so the connector's warning says so (written only when it changes).
     */
    const busyOf = (row: Connector, backend: Backend, range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      backend.caldav === undefined
        ? backend.calendar.busy(range)
        : Effect.tap(backend.caldav.busyReport(range), (report) => noteExpansion(row, report.unexpanded)).pipe(
          Effect.map((report) => report.intervals)
        )

    const noteExpansion = (row: Connector, unexpanded: ReadonlyArray<UnexpandedSeries>) =>
      Effect.gen(function*() {
        const warning = expansionWarning(unexpanded)
        if (warning === row.warning) return
        if (warning !== null) {
          yield* Effect.logWarning("connectors: recurring events exceed the expansion limits and count as busy", {
            connectorId: row.id,
            series: unexpanded.length
          })
        }
        yield* repo.setWarning(row.id, warning).pipe(
          Effect.catchAll((error) => Effect.logError("connectors: could not record a connector warning", { connectorId: row.id, error: error._tag }))
        )
        invalidateRows()
      })

    /** Where holds go: the connector marked for holds, else the oldest active one. */
    const holdsTarget = (list: ReadonlyArray<Connector>) =>
      list.find((row) => row.holdsTarget && row.status === "active") ?? list.find((row) => row.status === "active")

    const placeHold = (hold: HoldRequest): Effect.Effect<HoldRef, ProviderError> =>
      Effect.gen(function*() {
        const list = counted(yield* loadRows)
        const target = holdsTarget(list)
        if (target === undefined) {
          const broken = list[0]
          return yield* broken === undefined
            ? new ConnectorBroken({ provider: "overlap", connectorId: "", reason: "no calendar connector is active" })
            : brokenError(broken)
        }
        invalidateBusy()
        return yield* guard(target, Effect.flatMap(backendFor(target), (b) => b.calendar.placeHold(hold)))
      }).pipe(Effect.ensuring(Effect.sync(invalidateBusy)))

    /** The connector a hold lives on: None when it was removed (its hold is out of our reach). */
    const rowOfHold = (ref: HoldRef) =>
      Effect.gen(function*() {
        const found = (yield* loadRows).find((row) => row.id === ref.connectorId)
        if (found !== undefined && found.provider !== ref.provider) {
          return yield* new ProviderRejected({ provider: ref.provider, status: 400, message: "the hold does not belong to this connector" })
        }
        return Option.fromNullable(found)
      })

    const onExistingHold = <A>(ref: HoldRef, use: (calendar: ConnectorCalendar) => Effect.Effect<A, ProviderError | HoldGone>) =>
      Effect.gen(function*() {
        const row = yield* rowOfHold(ref)
        if (Option.isNone(row)) return yield* new HoldGone({ provider: ref.provider, eventId: ref.eventId })
        if (row.value.status !== "active") return yield* brokenError(row.value)
        return yield* guard(row.value, Effect.flatMap(backendFor(row.value), (b) => use(b.calendar)))
      }).pipe(Effect.ensuring(Effect.sync(invalidateBusy)))

    const releaseHold = (ref: HoldRef): Effect.Effect<void, ProviderError> =>
      Effect.gen(function*() {
        const row = yield* rowOfHold(ref)
        // A removed or broken connector's hold is out of reach: nothing Overlap can release, so retrying cannot help.
        if (Option.isNone(row) || row.value.status !== "active") {
          return yield* Effect.logWarning("connectors: hold left on a connector that is gone or broken", { connectorId: ref.connectorId })
        }
        yield* guard(row.value, Effect.flatMap(backendFor(row.value), (b) => b.calendar.releaseHold(ref)))
      }).pipe(Effect.ensuring(Effect.sync(invalidateBusy)))

    // ------------------------------------------------------------ push channels

    const pushConfig = () =>
      settings.webhooksPublicUrl !== undefined && settings.pushChannelSecret !== undefined
        ? Option.some({ urls: pushUrls(settings.webhooksPublicUrl), secret: settings.pushChannelSecret })
        : Option.none()

    const putChannel = (channel: PushChannel) => channels.put(channel).pipe(Effect.mapError(internal))

    const watchedCalendars = (row: Connector) => row.calendars.filter((c) => c.checkBusy).map((c) => c.id)

    /** Opens the channels a connector should have and lacks (one per counted Google calendar; one Graph subscription). */
    const ensurePush = (row: Connector): Effect.Effect<ReadonlyArray<string>, ProviderError> =>
      Effect.gen(function*() {
        const config = pushConfig()
        if (Option.isNone(config) || row.status !== "active") return []
        const { secret, urls } = config.value
        const existing = yield* channels.forConnector(row.id).pipe(Effect.mapError(internal))
        const backend = yield* backendFor(row)
        const now = yield* Clock.currentTimeMillis
        const opened: Array<string> = []
        if (row.provider === "google" && backend.google !== undefined) {
          const token = yield* Effect.promise(() => pushChannelToken(secret, "google", row.id))
          for (const calendarId of watchedCalendars(row)) {
            if (existing.some((c) => c.calendarId === calendarId)) continue
            const info = yield* watchGoogleCalendar(backend.google, {
              calendarId,
              channelId: crypto.randomUUID(),
              address: urls.google,
              token,
              expiresAt: now + GOOGLE_CHANNEL_TTL_MS
            })
            yield* putChannel({
              provider: "google",
              channelId: info.channelId,
              connectorId: row.id,
              did,
              calendarId,
              resourceId: info.resourceId,
              expiresAt: info.expiresAt || now + GOOGLE_CHANNEL_TTL_MS,
              createdAt: now
            })
            opened.push(info.channelId)
          }
        }
        if (row.provider === "microsoft" && backend.graph !== undefined && existing.length === 0) {
          const clientState = yield* Effect.promise(() => pushChannelToken(secret, "microsoft", row.id))
          const info = yield* createGraphSubscription(backend.graph, {
            resource: "me/events",
            notificationUrl: urls.microsoft,
            lifecycleNotificationUrl: urls.microsoftLifecycle,
            clientState,
            expiresAt: now + GRAPH_EVENT_SUBSCRIPTION_MAX_MS - 5 * 60_000
          })
          yield* putChannel({
            provider: "microsoft",
            channelId: info.subscriptionId,
            connectorId: row.id,
            did,
            calendarId: "me/events",
            resourceId: undefined,
            expiresAt: info.expiresAt,
            createdAt: now
          })
          opened.push(info.subscriptionId)
        }
        return opened
      })

    /** Renews one channel: Google opens a new channel then stops the old; Graph extends (or recreates when gone). */
    const renewChannel = (row: Connector, channel: PushChannel): Effect.Effect<string, ProviderError> =>
      Effect.gen(function*() {
        const config = pushConfig()
        if (Option.isNone(config)) return channel.channelId
        const backend = yield* backendFor(row)
        const now = yield* Clock.currentTimeMillis
        if (channel.provider === "google" && backend.google !== undefined) {
          const token = yield* Effect.promise(() => pushChannelToken(config.value.secret, "google", row.id))
          const info = yield* renewGoogleChannel(backend.google, { channelId: channel.channelId, resourceId: channel.resourceId ?? "" }, {
            calendarId: channel.calendarId,
            channelId: crypto.randomUUID(),
            address: config.value.urls.google,
            token,
            expiresAt: now + GOOGLE_CHANNEL_TTL_MS
          })
          yield* putChannel({ ...channel, channelId: info.channelId, resourceId: info.resourceId, expiresAt: info.expiresAt || now + GOOGLE_CHANNEL_TTL_MS, createdAt: now })
          yield* channels.remove("google", channel.channelId).pipe(Effect.mapError(internal))
          return info.channelId
        }
        if (channel.provider === "microsoft" && backend.graph !== undefined) {
          const until = now + GRAPH_EVENT_SUBSCRIPTION_MAX_MS - 5 * 60_000
          const renewed = yield* renewGraphSubscription(backend.graph, channel.channelId, until).pipe(Effect.option)
          if (Option.isSome(renewed)) {
            yield* putChannel({ ...channel, expiresAt: renewed.value.expiresAt })
            return channel.channelId
          }
          // Gone at Graph (or the renewal failed): drop the row; ensurePush opens a new subscription.
          yield* channels.remove("microsoft", channel.channelId).pipe(Effect.mapError(internal))
          const opened = yield* ensurePush(row)
          return opened[0] ?? channel.channelId
        }
        return channel.channelId
      })

    const stopChannels = (row: Connector, stopAtProvider: boolean) =>
      Effect.gen(function*() {
        const list = yield* channels.forConnector(row.id).pipe(Effect.mapError(internal))
        for (const channel of list) {
          if (stopAtProvider) {
            yield* Effect.gen(function*() {
              const backend = yield* backendFor(row)
              if (channel.provider === "google" && backend.google !== undefined) {
                yield* stopGoogleChannel(backend.google, { channelId: channel.channelId, resourceId: channel.resourceId ?? "" })
              }
              if (channel.provider === "microsoft" && backend.graph !== undefined) yield* deleteGraphSubscription(backend.graph, channel.channelId)
            }).pipe(
              Effect.timeout("20 seconds"),
              // The row goes regardless: a channel we no longer know is refused by the webhooks worker (403).
              Effect.catchAll(() => Effect.logWarning("connectors: could not stop a push channel at the provider", { connectorId: row.id }))
            )
          }
          yield* channels.remove(channel.provider, channel.channelId).pipe(Effect.mapError(internal))
        }
      })

    // ------------------------------------------------------------ connect, activate, remove

    const activate = (
      connectorId: string,
      access?: { readonly accessToken: string; readonly expiresAt: number }
    ): Effect.Effect<Connector, ProviderError | ConnectorNotFound> =>
      Effect.gen(function*() {
        const found = yield* freshRow(connectorId)
        if (Option.isNone(found)) return yield* new ConnectorNotFound({ id: connectorId })
        const row = found.value
        if (access !== undefined) {
          const state = stateOf(row.id)
          state.accessToken = access.accessToken
          state.expiresAt = access.expiresAt
          state.generation++
        }
        const account = yield* guard(row, discoverAccount(row))
        yield* repo.updateAccount(row.id, account).pipe(Effect.mapError(internal))
        const activated = yield* repo.setStatus(row.id, "active", ["pending", "broken", "active"]).pipe(Effect.mapError(internal))
        forget(row.id)
        if (Option.isNone(activated)) return yield* new ConnectorNotFound({ id: connectorId })
        yield* guard(activated.value, ensurePush(activated.value)).pipe(
          Effect.catchAll((error) => Effect.logWarning("connectors: push channel not opened (maintenance retries)", { connectorId, error: error._tag }))
        )
        return activated.value
      })

    /** Calendars and account name; a reconnect keeps the owner's choices of which calendars count. */
    const discoverAccount = (row: Connector): Effect.Effect<{ accountRef: string | null; calendars: ReadonlyArray<ConnectorCalendarEntry> }, ProviderError> =>
      Effect.gen(function*() {
        const backend = yield* backendFor(row)
        const previous = new Map(row.calendars.map((c) => [c.id, c.checkBusy]))
        if (row.provider === "google" && backend.google !== undefined) {
          const list = yield* listGoogleCalendars(backend.google)
          const primary = list.find((c) => c.primary)
          return {
            accountRef: primary?.id ?? row.accountRef,
            calendars: list.slice(0, 100).map((c) => ({
              id: c.id,
              name: c.summary || c.id,
              primary: c.primary,
              checkBusy: previous.get(c.id) ?? c.primary
            }))
          }
        }
        if (row.provider === "microsoft" && backend.graph !== undefined) {
          const address = yield* graphMailboxAddress(backend.graph)
          return { accountRef: address, calendars: [{ id: "calendar", name: "Calendar", primary: true, checkBusy: true }] }
        }
        const caldav = backend.caldav!
        const discovered = yield* caldav.discover
        return { accountRef: row.accountRef, calendars: caldavCalendars(discovered.calendars, previous) }
      })

    const caldavCalendars = (
      calendars: ReadonlyArray<{ url: string; displayName: string | undefined; components: ReadonlyArray<string>; timeZone: string | undefined }>,
      previous: ReadonlyMap<string, boolean>
    ): ReadonlyArray<ConnectorCalendarEntry> =>
      calendars
        .filter(acceptsEvents)
        .slice(0, 100)
        .map((c) => ({ id: c.url, name: c.displayName ?? new URL(c.url).pathname, checkBusy: previous.get(c.url) ?? true }))

    const connectCaldav = (credentials: CaldavCredentials): Effect.Effect<Connector, CaldavConnectFailed | ConnectorLimitReached | ProviderUnavailable> =>
      Effect.gen(function*() {
        const existing = yield* repo.listForDid(did).pipe(Effect.mapError(internal))
        if (existing.length >= MAX_CONNECTORS_PER_USER) return yield* new ConnectorLimitReached({ limit: MAX_CONNECTORS_PER_USER })
        const id = `caldav-${crypto.randomUUID()}`
        yield* checkServerUrl(credentials.serverUrl, id).pipe(
          Effect.mapError((e) => new CaldavConnectFailed({ reason: "insecure-url", message: `serverUrl: ${e.reason}` }))
        )
        const failed = (error: ProviderError): CaldavConnectFailed => {
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
        const caldav = yield* makeCaldavCalendar({
          connectorId: id,
          serverUrl: credentials.serverUrl,
          username: credentials.username,
          password: credentials.password,
          expansionLimits: settings.expansionLimits
        }).pipe(Effect.provideService(HttpClient.HttpClient, concurrencyClient(http)))
        const account = yield* caldav.discover.pipe(Effect.mapError(failed))
        const calendars = caldavCalendars(account.calendars, new Map())
        if (calendars.length === 0) return yield* new CaldavConnectFailed({ reason: "not-caldav", message: "serverUrl: the account has no event calendars" })
        // One real query: credentials that discover but cannot read would otherwise fail at the first match.
        const now = yield* Clock.currentTimeMillis
        yield* caldav.busy({ start: now, end: now + 86_400_000 }).pipe(Effect.mapError(failed))
        const sealed = yield* vault.encrypt(
          Schema.encodeSync(CaldavSecretJson)({ username: credentials.username, password: credentials.password }),
          { did, provider: "caldav", connectorId: id }
        ).pipe(Effect.mapError(internal))
        const row = yield* repo.create({
          id,
          did,
          provider: "caldav",
          status: "active",
          accountRef: credentials.serverUrl,
          sealed,
          tokenExpiresAt: null,
          calendars
        }).pipe(Effect.mapError(internal))
        // Start the change feed now, so the first poll reports changes rather than everything.
        yield* Effect.forEach(calendars, (c) =>
          caldav.syncChanges(c.id, undefined).pipe(
            Effect.flatMap((result) => repo.setSyncToken(id, c.id, result.syncToken)),
            Effect.catchAll(() => Effect.void)
          ), { discard: true })
        forget(id)
        return row
      })

    const remove = (connectorId: string): Effect.Effect<RemoveResult, ConnectorNotFound | ProviderUnavailable> =>
      Effect.gen(function*() {
        const found = yield* freshRow(connectorId)
        if (Option.isNone(found)) return yield* new ConnectorNotFound({ id: connectorId })
        const row = found.value
        removing.add(row.id)
        let revoked = false
        yield* Effect.gen(function*() {
          yield* stopChannels(row, row.status === "active")
          if (row.provider === "google" && row.tokenCiphertext !== null) {
            revoked = yield* Effect.gen(function*() {
              const refreshToken = stateOf(row.id).unsavedRefreshToken ?? (yield* decrypt(row))
              yield* oauth.revoke("google", refreshToken)
              return true
            }).pipe(
              Effect.timeout("20 seconds"),
              Effect.catchAll(() => Effect.as(Effect.logWarning("connectors: could not revoke at the provider; the credential is deleted anyway", { connectorId }), false))
            )
          }
          yield* repo.remove(row.id).pipe(Effect.mapError(internal))
        }).pipe(Effect.ensuring(Effect.sync(() => {
          removing.delete(row.id)
          clients.delete(row.id)
          tokenStates.delete(row.id)
          forget(row.id)
        })))
        return { revoked }
      })

    // ------------------------------------------------------------ maintenance (refresh-oauth cron)

    const pollCaldav = (row: Connector): Effect.Effect<boolean, ProviderError> =>
      Effect.gen(function*() {
        const backend = yield* backendFor(row)
        const caldav = backend.caldav
        if (caldav === undefined) return false
        let changed = false
        for (const calendar of row.calendars.filter((c) => c.checkBusy)) {
          const known = yield* repo.getSyncToken(row.id, calendar.id).pipe(Effect.mapError(internal))
          const token = Option.getOrUndefined(known)
          const result = yield* caldav.syncChanges(calendar.id, token).pipe(
            Effect.catchTag("SyncTokenGone", () =>
              Effect.sync(() => void (changed = true)).pipe(Effect.zipRight(caldav.syncChanges(calendar.id, undefined)))),
            Effect.catchTag("SyncTokenGone", (e) => Effect.fail(internal(e)))
          )
          if (token !== undefined && result.changed > 0) changed = true
          if (result.syncToken !== token) yield* repo.setSyncToken(row.id, calendar.id, result.syncToken).pipe(Effect.mapError(internal))
        }
        if (changed) invalidateBusy()
        return changed
      })

    const maintain: Effect.Effect<MaintenanceReport, ProviderUnavailable> = Effect.gen(function*() {
      invalidateRows()
      const list = yield* loadRows
      const now = yield* Clock.currentTimeMillis
      const report = { refreshed: [] as Array<string>, renewedChannels: [] as Array<string>, changed: [] as Array<string>, failed: [] as Array<string> }
      const step = <A>(row: Connector, effect: Effect.Effect<A, ProviderError | ConnectorNotFound>) =>
        guard(row, effect).pipe(
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
        if (row.status === "pending" && isOAuth(row.provider) && now - row.createdAt > PENDING_RETRY_AFTER_MS) {
          yield* step(row, activate(row.id))
          continue
        }
        if (row.status !== "active") continue
        // Lazy key rotation: re-wrap a credential sealed under an old vault key.
        if (row.tokenCiphertext !== null) {
          yield* vault.rotate(row.tokenCiphertext, bindingOf(row)).pipe(
            Effect.flatMap(Option.match({
              onNone: () => Effect.void,
              onSome: (sealed) => repo.updateTokens(row.id, sealed, row.tokenExpiresAt)
            })),
            Effect.catchAll((error) => Effect.logWarning("connectors: key rotation skipped", { connectorId: row.id, error: error._tag }))
          )
        }
        if (isOAuth(row.provider) && (row.tokenExpiresAt ?? 0) <= now + REFRESH_HORIZON_MS) {
          const refreshed = yield* step(row, refreshIfStale(row.id, REFRESH_HORIZON_MS))
          if (Option.isSome(refreshed) && refreshed.value) report.refreshed.push(row.id)
          if (Option.isNone(refreshed)) continue
        }
        if (isOAuth(row.provider)) {
          const due = yield* channels.forConnector(row.id).pipe(
            Effect.map((list) => list.filter((c) => c.expiresAt <= now + PUSH_RENEW_HORIZON_MS)),
            Effect.mapError(internal)
          )
          for (const channel of due) {
            const renewed = yield* step(row, renewChannel(row, channel))
            if (Option.isSome(renewed)) report.renewedChannels.push(renewed.value)
          }
          yield* step(row, ensurePush(row))
        }
        if (row.provider === "caldav") {
          const changed = yield* step(row, pollCaldav(row))
          if (Option.isSome(changed)) {
            yield* repo.markSynced(row.id, now).pipe(Effect.ignore)
            if (changed.value) report.changed.push(row.id)
          }
        }
      }
      return report
    })

    // ------------------------------------------------------------ re-checking holds

    const findConflicts = (holds: ReadonlyArray<HoldToCheck>): Effect.Effect<ReadonlyArray<string>, ProviderError> =>
      Effect.gen(function*() {
        if (holds.length === 0) return []
        invalidateBusy()
        const list = counted(yield* loadRows)
        const broken = list.find((row) => row.status === "broken")
        if (broken !== undefined) return yield* brokenError(broken)
        const target = holdsTarget(list)
        const range = { start: Math.min(...holds.map((h) => h.start)), end: Math.max(...holds.map((h) => h.end)) }
        const clashing = new Set<string>()
        for (const row of list) {
          const backend = yield* guard(row, backendFor(row))
          // The holds themselves are events on the holds connector: there, only a backend that can leave
          // Overlap's own events out (CalDAV) tells a clash from the hold. Elsewhere any busy time clashes.
          const read = row.id === target?.id
            ? backend.caldav === undefined ? undefined : backend.caldav.foreignBusy
            : backend.calendar.busy
          if (read === undefined) continue
          const intervals = yield* guard(row, read(range))
          for (const hold of holds) if (intervals.some((busy) => overlaps(busy, hold))) clashing.add(hold.bookingId)
        }
        return [...clashing]
      })

    return {
      did,
      busy,
      placeHold,
      confirmHold: (ref) => onExistingHold(ref, (calendar) => calendar.confirmHold(ref)),
      moveHold: (ref, to) => onExistingHold(ref, (calendar) => calendar.moveHold(ref, to)),
      releaseHold,
      activate,
      connectCaldav,
      remove,
      maintain,
      calendarChanged: () => Effect.sync(invalidateBusy),
      findConflicts
    }
  })
