import { HttpApiSchema } from "@effect/platform"
import type { MeetingDetails } from "../domain/booking/meetingPlace"
import type { Effect } from "effect"
import { Context, Schema } from "effect"
import {
  ConnectorBroken,
  HoldGone,
  HoldRef,
  type HoldRequest,
  type Interval,
  type ProviderError,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable
} from "./CalendarProvider"
import { Connector, ConnectorNotFound } from "./ConnectorsRepo"

/**
 * A user's calendar connectors, owned by that user's `UserConnectorDO` (one per DID): the only place their
 * credentials are decrypted (in memory), the single refresher of their OAuth tokens, the keeper of provider
 * quotas and of a short in-memory free/busy cache. Everything else in the AppView reaches the connectors
 * through this service (Live: the Durable Object; in-process: the same engine, for tests).
 */

/** The account already has the most connectors a user may have. */
export class ConnectorLimitReached extends Schema.TaggedError<ConnectorLimitReached>()(
  "ConnectorLimitReached",
  { limit: Schema.Number, message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  constructor(props: { readonly limit: number; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? `at most ${props.limit} calendar connectors per account` }, options)
  }
}

/** Why a CalDAV account could not be connected, in the terms the connect form needs. */
export class CaldavConnectFailed extends Schema.TaggedError<CaldavConnectFailed>()("CaldavConnectFailed", {
  reason: Schema.Literal("credentials", "insecure-url", "not-caldav", "unreachable", "rate-limited"),
  message: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number)
}) {}

/** The most connectors one user may have (listConnectors answers at most 20). */
export const MAX_CONNECTORS_PER_USER = 20

export interface CaldavCredentials {
  readonly serverUrl: string
  readonly username: string
  readonly password: string
}

/** A hold to re-check against the owner's calendars (a booking's exact time; the owner is a participant). */
export const HoldToCheck = Schema.Struct({ bookingId: Schema.String, start: Schema.Number, end: Schema.Number })
export type HoldToCheck = typeof HoldToCheck.Type

/** What one maintenance pass of a user's connectors did (the refresh-oauth cron). */
export const MaintenanceReport = Schema.Struct({
  refreshed: Schema.Array(Schema.String),
  renewedChannels: Schema.Array(Schema.String),
  /** CalDAV connectors whose calendars changed since the last poll: re-check their holds. */
  changed: Schema.Array(Schema.String),
  /** Connectors that failed a step (not broken ones: those are marked and their owner told). */
  failed: Schema.Array(Schema.String)
})
export type MaintenanceReport = typeof MaintenanceReport.Type

export const RemoveResult = Schema.Struct({ revoked: Schema.Boolean })
export type RemoveResult = typeof RemoveResult.Type

export class UserConnectors extends Context.Tag("overlap/UserConnectors")<UserConnectors, {
  // CalendarProvider, for a DID that has connectors
  readonly busy: (did: string, range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  readonly placeHold: (did: string, hold: HoldRequest) => Effect.Effect<HoldRef, ProviderError>
  readonly confirmHold: (did: string, ref: HoldRef, meeting?: MeetingDetails) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly moveHold: (did: string, ref: HoldRef, to: Interval) => Effect.Effect<HoldRef, ProviderError | HoldGone>
  readonly releaseHold: (did: string, ref: HoldRef) => Effect.Effect<void, ProviderError>

  /**
   * Finishes an OAuth connect: the connector row exists (pending, sealed refresh token); the fresh access
   * token from the code exchange is handed over in memory. Lists the calendars, opens push channels, active.
   */
  readonly activate: (
    did: string,
    connectorId: string,
    access?: { readonly accessToken: string; readonly expiresAt: number }
  ) => Effect.Effect<Connector, ProviderError | ConnectorNotFound>
  /** Discovers the account, checks it with one busy query, stores the sealed credentials: active. */
  readonly connectCaldav: (did: string, credentials: CaldavCredentials) => Effect.Effect<Connector, CaldavConnectFailed | ConnectorLimitReached | ProviderUnavailable>
  /** Stops push channels, revokes at the provider where it can, deletes the credential: removed. */
  readonly remove: (did: string, connectorId: string) => Effect.Effect<RemoveResult, ConnectorNotFound | ProviderUnavailable>
  /** Refreshes tokens expiring before `now + horizon`, renews push channels, polls CalDAV. */
  readonly maintain: (did: string) => Effect.Effect<MaintenanceReport, ProviderUnavailable>
  /** Something changed on this connector's calendar: drop cached free/busy. */
  readonly calendarChanged: (did: string, connectorId: string) => Effect.Effect<void, ProviderUnavailable>
  /** The holds (booking ids) that now clash with something else on the user's calendars. */
  readonly findConflicts: (did: string, holds: ReadonlyArray<HoldToCheck>) => Effect.Effect<ReadonlyArray<string>, ProviderError>
}>() {}

// ---------------------------------------------------------------- the object's RPC surface

/** Every reply crosses the RPC boundary encoded, as `Either` (tagged errors do not survive structured clone). */
const ProviderErrorSchema = Schema.Union(ProviderRateLimited, ProviderUnavailable, ConnectorBroken, ProviderRejected)
const IntervalSchema = Schema.Struct({ start: Schema.Number, end: Schema.Number })

export const HoldRequestSchema = Schema.Struct({
  bookingId: Schema.String,
  start: Schema.Number,
  end: Schema.Number,
  tz: Schema.String,
  summary: Schema.String
})

export const BusyReply = Schema.Either({ right: Schema.Array(IntervalSchema), left: ProviderErrorSchema })
export const HoldReply = Schema.Either({ right: HoldRef, left: ProviderErrorSchema })
export const ExistingHoldReply = Schema.Either({ right: HoldRef, left: Schema.Union(ProviderErrorSchema, HoldGone) })
export const ReleaseReply = Schema.Either({ right: Schema.Void, left: ProviderErrorSchema })
export const ActivateReply = Schema.Either({ right: Connector, left: Schema.Union(ProviderErrorSchema, ConnectorNotFound) })
export const ConnectCaldavReply = Schema.Either({
  right: Connector,
  left: Schema.Union(CaldavConnectFailed, ConnectorLimitReached, ProviderUnavailable)
})
export const RemoveReply = Schema.Either({ right: RemoveResult, left: Schema.Union(ConnectorNotFound, ProviderUnavailable) })
export const MaintainReply = Schema.Either({ right: MaintenanceReport, left: ProviderUnavailable })
export const ChangedReply = Schema.Either({ right: Schema.Void, left: ProviderUnavailable })
export const ConflictsReply = Schema.Either({ right: Schema.Array(Schema.String), left: ProviderErrorSchema })

/**
 * The RPC methods of `UserConnectorDO` (src/entry/objects/UserConnectorDO.ts). Each call names the DID so the
 * object can refuse a call routed to the wrong instance.
 */
export interface UserConnectorRpc {
  busy(did: string, range: Interval): Promise<typeof BusyReply.Encoded>
  placeHold(did: string, hold: typeof HoldRequestSchema.Encoded): Promise<typeof HoldReply.Encoded>
  confirmHold(did: string, ref: typeof HoldRef.Encoded): Promise<typeof ExistingHoldReply.Encoded>
  moveHold(did: string, ref: typeof HoldRef.Encoded, to: Interval): Promise<typeof ExistingHoldReply.Encoded>
  releaseHold(did: string, ref: typeof HoldRef.Encoded): Promise<typeof ReleaseReply.Encoded>
  activate(did: string, connectorId: string, access?: { accessToken: string; expiresAt: number }): Promise<typeof ActivateReply.Encoded>
  connectCaldav(did: string, credentials: CaldavCredentials): Promise<typeof ConnectCaldavReply.Encoded>
  remove(did: string, connectorId: string): Promise<typeof RemoveReply.Encoded>
  maintain(did: string): Promise<typeof MaintainReply.Encoded>
  calendarChanged(did: string, connectorId: string): Promise<typeof ChangedReply.Encoded>
  findConflicts(did: string, holds: ReadonlyArray<HoldToCheck>): Promise<typeof ConflictsReply.Encoded>
}
