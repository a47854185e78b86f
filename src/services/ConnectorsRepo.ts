import { HttpApiSchema } from "@effect/platform"
import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { SqliteBoolean } from "./Columns"
import { Did, EpochMillis } from "../domain/identifiers"
import type { RepositoryError } from "./RepositoryError"
import type { SealedCount, SealedToken } from "./TokenVault"

/**
 * The `connectors` table (migrations/0001 + 0004 + 0008): one row per calendar account a user connected. Credentials
 * are held only as TokenVault ciphertext (a refresh token for Google / Microsoft, `{ username, password }` JSON
 * for CalDAV), bound to (did, provider, id); nothing here can hold a plaintext token.
 */

export const ConnectorProvider = Schema.Literal("google", "microsoft", "caldav")
export type ConnectorProvider = typeof ConnectorProvider.Type

/**
 * active: counted and used; broken: the user must reconnect (matching refuses rather than ignore it);
 * pending: the connect flow has not finished; removed: disconnected, credentials deleted.
 */
export const ConnectorStatus = Schema.Literal("active", "broken", "pending", "removed")
export type ConnectorStatus = typeof ConnectorStatus.Type

/**
 * One calendar of the account: its provider id, display name, whether its busy time counts, and whether it is the
 * calendar of this connector the owner chose for holds (used while the connector is the holds target).
 */
export const ConnectorCalendarEntry = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  primary: Schema.optional(Schema.Boolean),
  checkBusy: Schema.Boolean,
  holds: Schema.optional(Schema.Boolean)
})
export type ConnectorCalendarEntry = typeof ConnectorCalendarEntry.Type

/** A row of `connectors` (decoded from the columns: calendars from JSON, holds_target from 0/1). */
export class Connector extends Schema.Class<Connector>("Connector")({
  id: Schema.NonEmptyString,
  did: Did,
  provider: ConnectorProvider,
  status: ConnectorStatus,
  /** Account e-mail / mailbox address, or the CalDAV server URL: shown to the owner, never a secret. */
  accountRef: Schema.NullOr(Schema.String),
  /** TokenVault envelope (`v1.<keyId>.…`), or null once removed. */
  tokenCiphertext: Schema.NullOr(Schema.String),
  keyId: Schema.NullOr(Schema.String),
  /** When the access token last obtained stops working (OAuth); the refresh-oauth cron reads it. */
  tokenExpiresAt: Schema.NullOr(EpochMillis),
  calendars: Schema.parseJson(Schema.Array(ConnectorCalendarEntry)),
  /** This connector's calendar receives the holds. */
  holdsTarget: SqliteBoolean,
  lastSyncAt: Schema.NullOr(EpochMillis),
  /** What the owner should know while the connector keeps working (migrations/0008); null: nothing. */
  warning: Schema.NullOr(Schema.String),
  createdAt: EpochMillis,
  updatedAt: EpochMillis
}) {}

export interface NewConnector {
  readonly id: string
  readonly did: string
  readonly provider: ConnectorProvider
  readonly status: ConnectorStatus
  readonly accountRef: string | null
  readonly sealed: SealedToken | null
  readonly tokenExpiresAt: number | null
  readonly calendars: ReadonlyArray<ConnectorCalendarEntry>
}

export class ConnectorAlreadyExists extends Schema.TaggedError<ConnectorAlreadyExists>()("ConnectorAlreadyExists", {
  id: Schema.String
}) {}

/** No connector with this id (or none of the caller's: another user's connector is not confirmed to exist). */
export class ConnectorNotFound extends Schema.TaggedError<ConnectorNotFound>()(
  "ConnectorNotFound",
  { id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  constructor(props: { readonly id: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? `connectorId: no connector ${props.id}` }, options)
  }
}

/** The row of `connector_sync_state` (migrations/0005): an incremental-sync cursor per connector calendar. */
export interface SyncCursor {
  readonly connectorId: string
  readonly calendarId: string
  readonly syncToken: string | null
  readonly updatedAt: number
}

export class ConnectorsRepo extends Context.Tag("overlap/ConnectorsRepo")<ConnectorsRepo, {
  readonly create: (connector: NewConnector) => Effect.Effect<Connector, ConnectorAlreadyExists | RepositoryError>
  readonly get: (id: string) => Effect.Effect<Option.Option<Connector>, RepositoryError>
  /** The DID's connectors, oldest first; removed ones only when asked. */
  readonly listForDid: (did: string, options?: { readonly includeRemoved?: boolean }) => Effect.Effect<ReadonlyArray<Connector>, RepositoryError>
  /**
   * Sets the status; with `from`, only when the current status is one of them (so "mark broken" happens
   * once, and its notification with it). None when the row is missing or the precondition did not hold.
   */
  readonly setStatus: (
    id: string,
    status: Exclude<ConnectorStatus, "removed">,
    from?: ReadonlyArray<ConnectorStatus>
  ) => Effect.Effect<Option.Option<Connector>, RepositoryError>
  /** Replaces the sealed credential (a rotated refresh token) and the access token's expiry. */
  readonly updateTokens: (id: string, sealed: SealedToken, tokenExpiresAt: number | null) => Effect.Effect<void, ConnectorNotFound | RepositoryError>
  /** What the connect flow learned about the account. */
  readonly updateAccount: (
    id: string,
    account: { readonly accountRef: string | null; readonly calendars: ReadonlyArray<ConnectorCalendarEntry> }
  ) => Effect.Effect<void, ConnectorNotFound | RepositoryError>
  readonly markSynced: (id: string, at: number) => Effect.Effect<void, RepositoryError>
  /** Sets (or, with null, clears) the owner's warning; a missing row is left alone. */
  readonly setWarning: (id: string, warning: string | null) => Effect.Effect<void, RepositoryError>
  /** Makes `id` the DID's holds target (and no other connector of the DID). */
  readonly setHoldsTarget: (did: string, id: string) => Effect.Effect<void, ConnectorNotFound | RepositoryError>
  /** Disconnected: status removed, credential and expiry deleted, no longer the holds target. */
  readonly remove: (id: string) => Effect.Effect<void, ConnectorNotFound | RepositoryError>
  /** Active connectors whose access token expires at or before `before`, soonest first (refresh-oauth cron). */
  readonly listExpiring: (before: number, limit: number) => Effect.Effect<ReadonlyArray<Connector>, RepositoryError>
  /** Pending connectors created at or before `createdBefore`, oldest first (activation retries). */
  readonly listPending: (createdBefore: number, limit: number) => Effect.Effect<ReadonlyArray<Connector>, RepositoryError>
  /** Active connectors of one provider, in id order after `afterId` (CalDAV polling, paged). */
  readonly listActiveByProvider: (
    provider: ConnectorProvider,
    limit: number,
    afterId?: string
  ) => Effect.Effect<ReadonlyArray<Connector>, RepositoryError>
  /**
   * Connectors of any status holding a credential sealed under a key other than `keyId`, in id order after
   * `afterId` (the vault key rotation job, paged).
   */
  readonly listSealedNotUnder: (keyId: string, limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<Connector>, RepositoryError>
  /**
   * Replaces the sealed credential only while it is still `from` (compare-and-set, so a rotation never
   * overwrites a token the user's connector object refreshed meanwhile); true when it was replaced.
   */
  readonly replaceSealed: (id: string, from: string, sealed: SealedToken) => Effect.Effect<boolean, RepositoryError>
  /** Sealed credentials per (key id, status). */
  readonly countByKeyId: Effect.Effect<ReadonlyArray<SealedCount<ConnectorStatus>>, RepositoryError>
  readonly getSyncToken: (connectorId: string, calendarId: string) => Effect.Effect<Option.Option<string>, RepositoryError>
  /** null clears the cursor (the next sync starts over). */
  readonly setSyncToken: (connectorId: string, calendarId: string, syncToken: string | null) => Effect.Effect<void, RepositoryError>
}>() {}
