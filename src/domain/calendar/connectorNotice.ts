import { Schema } from "effect"
import { Did, EpochMillis } from "../identifiers"
import { EmailAddress } from "../invitation/invitation"

/**
 * What the connectors tell people through `notify-tasks` (issue 6). These are not delivery tasks
 * (domain/notify/task.ts): they carry a `kind`, and the notify consumer plans their deliveries when one
 * arrives (domain/notify/plan.ts `planNotice`: the recipients' active webhook subscriptions, a DM when the
 * notify worker has a DM sender, e-mail only to an address in `emails`) and delivers each once per
 * (id, channel, target) through the same ledger as booking events. `id` is stable per event, so enqueueing
 * twice is harmless. Neither carries a token or anyone's busy time.
 */

/**
 * Addresses to e-mail, by recipient DID. Overlap stores no e-mail address of its users today, so producers
 * leave it out and notices are not e-mailed; the field is here so that one carried is used.
 */
const emails = Schema.optional(Schema.Record({ key: Schema.String, value: EmailAddress }))

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
  at: EpochMillis,
  emails
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
  at: EpochMillis,
  emails
})
export type HoldConflictNotice = typeof HoldConflictNotice.Type

export const ConnectorNotice = Schema.Union(ConnectorBrokenNotice, HoldConflictNotice)
export type ConnectorNotice = typeof ConnectorNotice.Type

export const connectorBrokenNoticeId = (connectorId: string, at: number): string => `connector-broken:${connectorId}:${at}`
export const holdConflictNoticeId = (bookingId: string): string => `hold-conflict-released:${bookingId}`
