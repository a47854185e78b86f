import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { Reminders } from "../../services/Reminders"
import { orRepositoryError } from "../../services/RepositoryError"
import { bookingPlace } from "../../domain/booking/placeColumns"
import { titleFieldOf } from "../../domain/booking/booking"

const Upcoming = Schema.Array(Schema.Struct({
  bookingId: Schema.String,
  sequence: Schema.Int,
  hostDid: Schema.String,
  guestDid: Schema.String,
  startAt: Schema.Int,
  endAt: Schema.Int,
  tz: Schema.String,
  location: Schema.NullOr(Schema.String),
  conference: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String)
}))

/** Reminders over D1: the `bookings_upcoming` index and the `notify_reminders` ledger. */
export const RemindersLive: Layer.Layer<Reminders, never, SqlClient.SqlClient> = Layer.effect(
  Reminders,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Reminders.of({
      upcoming: (from, to, limit) =>
        sql`SELECT id AS booking_id, sequence, host_did, guest_did, start_at, end_at, COALESCE(host_tz, tz) AS tz, location, conference, title FROM bookings
            WHERE status IN ('confirmed', 'rescheduled') AND start_at >= ${from} AND start_at < ${to}
            ORDER BY start_at, id LIMIT ${limit}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Upcoming)),
          // a place column that does not read is left out rather than holding back the reminder
          Effect.map((rows) => rows.map(({ conference, location, title, ...meeting }) => ({
            ...meeting,
            ...bookingPlace({ location, conference }),
            ...titleFieldOf(title ?? undefined)
          }))),
          orRepositoryError("Reminders.upcoming")
        ),
      plan: (meeting, recipientDid, minutesBefore) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const rows = yield* sql`
            INSERT INTO notify_reminders (booking_id, sequence, recipient_did, minutes_before, planned_at)
            VALUES (${meeting.bookingId}, ${meeting.sequence}, ${recipientDid}, ${minutesBefore}, ${now})
            ON CONFLICT DO NOTHING RETURNING booking_id`.pipe(orRepositoryError("Reminders.plan"))
          return rows.length === 1
        }),
      unplan: (meeting, recipientDid, minutesBefore) =>
        sql`DELETE FROM notify_reminders WHERE booking_id = ${meeting.bookingId} AND sequence = ${meeting.sequence}
            AND recipient_did = ${recipientDid} AND minutes_before = ${minutesBefore}`.pipe(Effect.asVoid, orRepositoryError("Reminders.unplan"))
    }))
)
