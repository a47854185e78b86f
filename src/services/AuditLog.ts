import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { BookingStatus } from "../domain/booking/booking"
import type { RepositoryError } from "./RepositoryError"

/**
 * The JSON record of one booking transition, stored in R2 at `audit/<bookingId>/<n>.json` (n = the booking's
 * version after the transition). Who, what, when, from-state, to-state: never a time of the meeting and never
 * anyone's busy interval.
 */
export const BookingAuditRecord = Schema.Struct({
  bookingId: Schema.String,
  actorDid: Schema.String,
  actor: Schema.Literal("host", "guest", "system"),
  /** e.g. "booking.finalize" */
  eventType: Schema.String,
  fromState: BookingStatus,
  toState: BookingStatus,
  /** ICS SEQUENCE after the transition. */
  sequence: Schema.NonNegativeInt,
  at: Schema.String
})
export type BookingAuditRecord = typeof BookingAuditRecord.Type

export const auditKey = (bookingId: string, n: number): string => `audit/${bookingId}/${n}.json`

/** R2 refused the audit record. */
export class AuditWriteFailed extends Schema.TaggedError<AuditWriteFailed>()("AuditWriteFailed", {
  key: Schema.String,
  cause: Schema.Defect
}) {}

/** Writes a transition's audit trail: the JSON record to R2 first, then the D1 `audit_events` row pointing to it. */
export class AuditLog extends Context.Tag("overlap/AuditLog")<AuditLog, {
  readonly recordTransition: (
    record: BookingAuditRecord,
    n: number
  ) => Effect.Effect<{ readonly key: string }, AuditWriteFailed | RepositoryError>
}>() {}
