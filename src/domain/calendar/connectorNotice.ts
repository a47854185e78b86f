import { Schema } from "effect"
import { Did, EpochMillis } from "../../services/Columns"

/**
 * What the connectors tell people through `notify-tasks` (issue 6). These are not delivery tasks of the
 * notify worker's booking events (domain/notify/task.ts): they carry a `kind`, and the notify worker is to plan
 * deliveries for them (e-mail / webhook / DM to `recipients`). `id` is stable per event, so enqueueing twice
 * is harmless once the consumer dedupes on it. Neither carries a token or anyone's busy time.
 */

/** A connector stopped working (refresh refused with invalid_grant, access withdrawn): the user must reconnect. */
export const ConnectorBrokenNotice = Schema.Struct({
  kind: Schema.Literal("connector-broken"),
  id: Schema.String,
  did: Did,
  recipients: Schema.Array(Did),
  connectorId: Schema.String,
  provider: Schema.Literal("google", "microsoft", "caldav"),
  /** Short, ours (e.g. "invalid_grant"), never a provider body. */
  reason: Schema.String,
  at: EpochMillis
})
export type ConnectorBrokenNotice = typeof ConnectorBrokenNotice.Type

/**
 * A hold was released because one participant's calendar now has something else at that time. Both are told;
 * whose calendar it was is not said (that would be a piece of someone's busy time).
 */
export const HoldConflictNotice = Schema.Struct({
  kind: Schema.Literal("hold-conflict-released"),
  id: Schema.String,
  bookingId: Schema.String,
  hostDid: Did,
  guestDid: Did,
  recipients: Schema.Array(Did),
  startAt: EpochMillis,
  endAt: EpochMillis,
  at: EpochMillis
})
export type HoldConflictNotice = typeof HoldConflictNotice.Type

export const ConnectorNotice = Schema.Union(ConnectorBrokenNotice, HoldConflictNotice)
export type ConnectorNotice = typeof ConnectorNotice.Type

export const connectorBrokenNoticeId = (connectorId: string, at: number): string => `connector-broken:${connectorId}:${at}`
export const holdConflictNoticeId = (bookingId: string): string => `hold-conflict-released:${bookingId}`
