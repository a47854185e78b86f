import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { Conference } from "../../domain/booking/meetingPlace"
import { EventLocation } from "../../domain/eventTypes"
import { Reminders } from "../../services/Reminders"
import { orRepositoryError } from "../../services/RepositoryError"

const Upcoming = Schema.Array(Schema.Struct({
  bookingId: Schema.String,
  sequence: Schema.Int,
  hostDid: Schema.String,
  guestDid: Schema.String,
  startAt: Schema.Int,
  endAt: Schema.Int,
  tz: Schema.String,
  location: Schema.NullOr(Schema.String),
  conference: Schema.NullOr(Schema.String)
}))

/** A place column as stored (JSON); one that does not read is left out rather than holding back the reminder. */
const placeOf = <A, I>(schema: Schema.Schema<A, I>, json: string | null): A | undefined =>
  json === null ? undefined : Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(schema))(json))

/** Reminders over D1: the `bookings_upcoming` index and the `notify_reminders` ledger. */
export const RemindersLive: Layer.Layer<Reminders, never, SqlClient.SqlClient> = Layer.effect(
  Reminders,
  Effect.map(SqlClient.SqlClient, (sql) =>
    Reminders.of({
      upcoming: (from, to, limit) =>
        sql`SELECT id AS booking_id, sequence, host_did, guest_did, start_at, end_at, COALESCE(host_tz, tz) AS tz, location, conference FROM bookings
            WHERE status IN ('confirmed', 'rescheduled') AND start_at >= ${from} AND start_at < ${to}
            ORDER BY start_at, id LIMIT ${limit}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Upcoming)),
          Effect.map((rows) => rows.map(({ conference, location, ...meeting }) => ({
            ...meeting,
            location: placeOf(EventLocation, location),
            conference: placeOf(Conference, conference)
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
