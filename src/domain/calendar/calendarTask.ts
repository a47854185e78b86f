import { Schema } from "effect"

/**
 * The `calendar-tasks` message a push notification produces: "something changed on this connector's
 * calendar". The consumer re-checks every hold and booking that touches it. `idempotencyKey` is the same
 * for a redelivered notification, so a retry is harmless.
 */
export const CalendarChanged = Schema.Struct({
  kind: Schema.Literal("calendar-changed"),
  did: Schema.String,
  connectorId: Schema.String,
  /** google / microsoft from push notifications; caldav from the refresh-oauth cron's sync-collection poll. */
  provider: Schema.Literal("google", "microsoft", "caldav"),
  idempotencyKey: Schema.String
})
export type CalendarChanged = typeof CalendarChanged.Type
