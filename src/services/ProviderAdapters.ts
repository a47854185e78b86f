import type { HttpClient } from "@effect/platform"
import { Context, type Effect, type Option, Schema } from "effect"
import type { UnexpandedSeries } from "../domain/calendar/expansionWarning"
import type { BucketLimit } from "../domain/tokenBucket"
import type { OAuthProvider } from "../domain/oauth/providers"
import type { ConnectorBroken, Interval, ProviderError, ProviderUnavailable } from "./CalendarProvider"
import type { AccessTokenGetter, ConnectorCalendar } from "./ConnectorCalendar"
import type { Connector, ConnectorCalendarEntry, ConnectorProvider } from "./ConnectorsRepo"
import type { PushChannel } from "./PushChannels"
import type { CaldavConnectFailed, CaldavCredentials } from "./UserConnectors"

/**
 * What a calendar provider (Google, Microsoft Graph, CalDAV) offers the connector engine: one adapter per
 * provider (src/adapters/providers/<name>/), all behind this contract, so the engine holds the per-user
 * state (tokens, the free/busy cache, push channel rows) and never branches on the provider.
 */

/** The incremental-sync cursor expired (Google 410 `fullSyncRequired`, a CalDAV server's valid-sync-token): sync from scratch. */
export class SyncTokenGone extends Schema.TaggedError<SyncTokenGone>()("SyncTokenGone", {
  provider: Schema.String,
  calendarId: Schema.String
}) {}

/** How the connector signs in: OAuth access tokens the engine refreshes, or a stored credential (no refresh). */
export type SignIn =
  | {
    readonly kind: "oauth"
    readonly provider: OAuthProvider
    /** Removing the connector revokes the grant at the provider (Google); otherwise deleting the token ends access. */
    readonly revokesGrant: boolean
  }
  | { readonly kind: "credential" }

/** How many requests one connector may send: a per-user budget (token bucket), or a bound on requests in flight. */
export type RequestQuota =
  | { readonly kind: "bucket"; readonly limit: BucketLimit }
  | { readonly kind: "concurrent"; readonly permits: number }

/** How Overlap learns that a calendar changed: the provider pushes (channels to keep open), or maintenance polls. */
export type ChangeFeed = "push" | "poll"

/** What the engine hands an adapter to open one connector. */
export interface ConnectorAccess {
  readonly row: Connector
  /** The connector's HTTP client, already bound by its RequestQuota. */
  readonly http: HttpClient.HttpClient
  /** The current access token (OAuth); refreshes are the engine's, one at a time. */
  readonly accessToken: AccessTokenGetter
  /** The stored credential, decrypted (a CalDAV connector's username and app password). */
  readonly credential: Effect.Effect<string, ConnectorBroken | ProviderUnavailable>
}

/** Busy time, and for a backend that expands recurrences itself the series that hit a bound (counted busy whole). */
export interface BusyReport {
  readonly intervals: ReadonlyArray<Interval>
  readonly unexpanded: ReadonlyArray<UnexpandedSeries>
}

/** The account behind a connector: its name (Google primary calendar id, Graph mailbox, CalDAV server URL) and calendars. */
export interface DiscoveredAccount {
  readonly accountRef: string | null
  readonly calendars: ReadonlyArray<ConnectorCalendarEntry>
}

export interface SyncResult {
  readonly syncToken: string
  /** Members added, changed or removed since the token (all members on an initial sync). */
  readonly changed: number
}

/** The notification URLs of the webhooks worker (src/features/push/routes.ts). */
export interface PushAddresses {
  readonly google: string
  readonly microsoft: string
  readonly microsoftLifecycle: string
}

export interface PushRequest {
  readonly addresses: PushAddresses
  /** pushChannelToken(secret, provider, connectorId): echoed by every notification. */
  readonly token: string
  readonly now: number
}

/** A channel the provider opened or extended. */
export interface OpenedChannel {
  readonly channelId: string
  readonly resourceId: string | undefined
  readonly expiresAt: number
}

/** Push channels of one connector (rows in PushChannels are the engine's). */
export interface PushHooks {
  readonly provider: PushChannel["provider"]
  /** What gets one channel each (Google: every counted calendar; Graph: the mailbox's events). */
  readonly resources: ReadonlyArray<string>
  readonly open: (resource: string, request: PushRequest) => Effect.Effect<OpenedChannel, ProviderError>
  /** The channel to keep now (a new id when the provider replaces channels), or None when it is gone: open a new one. */
  readonly renew: (channel: PushChannel, request: PushRequest) => Effect.Effect<Option.Option<OpenedChannel>, ProviderError>
  readonly stop: (channel: PushChannel) => Effect.Effect<void, ProviderError>
}

/** One connector, opened: its calendar operations and what its provider adds. */
export interface OpenedConnector extends ConnectorCalendar {
  /** `busy` with what the expansion ran into; absent where the provider expands recurrences itself. */
  readonly busyReport?: (range: Interval) => Effect.Effect<BusyReport, ProviderError>
  /** Busy time from everything but Overlap's own holds; absent where the provider cannot tell them apart. */
  readonly foreignBusy?: (range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  /** The account and its calendars; `previous` holds the owner's choices (calendar id → counts as busy) to keep. */
  readonly discover: (previous: ReadonlyMap<string, boolean>) => Effect.Effect<DiscoveredAccount, ProviderError>
  /** Push channels (a `push` change feed). */
  readonly push?: PushHooks
  /** What changed in one calendar since `syncToken` (a `poll` change feed); none = an initial sync. */
  readonly syncChanges?: (calendarId: string, syncToken: string | undefined) => Effect.Effect<SyncResult, ProviderError | SyncTokenGone>
}

export interface ProviderAdapter {
  readonly provider: ConnectorProvider
  readonly signIn: SignIn
  readonly quota: RequestQuota
  readonly changeFeed: ChangeFeed
  readonly open: (access: ConnectorAccess) => Effect.Effect<OpenedConnector, ConnectorBroken | ProviderUnavailable>
}

/** An account connected with credentials the user typed: checked, discovered, and the secret to seal. */
export interface CredentialConnection {
  readonly account: DiscoveredAccount
  readonly secret: string
  readonly connector: OpenedConnector
}

export interface CredentialProviderAdapter extends ProviderAdapter {
  /** Checks the server and the credentials with one discovery and one busy query. */
  readonly connect: (
    credentials: CaldavCredentials,
    access: { readonly connectorId: string; readonly http: HttpClient.HttpClient }
  ) => Effect.Effect<CredentialConnection, CaldavConnectFailed>
}

/**
 * One adapter for every ConnectorProvider (composed in src/entry): the engine looks a connector's adapter up
 * by `row.provider`, so a new provider is a new adapter here and nothing else in the engine.
 */
export class ProviderAdapters extends Context.Tag("overlap/ProviderAdapters")<
  ProviderAdapters,
  { readonly [P in ConnectorProvider]: ProviderAdapter } & { readonly caldav: CredentialProviderAdapter }
>() {}
