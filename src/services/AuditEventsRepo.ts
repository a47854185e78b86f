import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { BookingStatus } from "../domain/booking/booking"
import { Did, EpochMillis } from "../domain/identifiers"
import type { RepositoryError } from "./RepositoryError"

/** What happened, by whom; the full JSON record lives in R2 at `r2Key`. Never a busy interval. */
export const NewAuditEvent = Schema.Struct({
  bookingId: Schema.NullOr(Schema.String),
  actorDid: Did,
  /** What happened, e.g. "booking.confirm", "index.invalidRecord". */
  eventType: Schema.NonEmptyString,
  fromState: Schema.NullOr(BookingStatus),
  toState: Schema.NullOr(BookingStatus),
  r2Key: Schema.NullOr(Schema.String)
})
export type NewAuditEvent = typeof NewAuditEvent.Type

/** A row of `audit_events`; `id` increases in append order. */
export class AuditEvent extends Schema.Class<AuditEvent>("AuditEvent")({
  id: Schema.Int,
  ...NewAuditEvent.fields,
  createdAt: EpochMillis
}) {}

export class AuditEventsRepo extends Context.Tag("overlap/AuditEventsRepo")<AuditEventsRepo, {
  readonly append: (event: NewAuditEvent) => Effect.Effect<AuditEvent, RepositoryError>
  /** A booking's events in the order they were appended. */
  readonly listByBooking: (bookingId: string) => Effect.Effect<ReadonlyArray<AuditEvent>, RepositoryError>
}>() {}
