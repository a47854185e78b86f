import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { orRepositoryError } from "../../services/RepositoryError"
import { TransitionNotices } from "../../services/TransitionNotices"
import { bookingPlace } from "../../domain/booking/placeColumns"
import { titleFieldOf } from "../../domain/booking/booking"

const Rows = Schema.Array(Schema.Struct({
  type: Schema.Literal("booking.held", "booking.expired"),
  bookingId: Schema.String,
  sequence: Schema.Int,
  hostDid: Schema.String,
  guestDid: Schema.String,
  startAt: Schema.Int,
  endAt: Schema.Int,
  tz: Schema.String,
  location: Schema.NullOr(Schema.String),
  conference: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  at: Schema.Int
}))

/**
 * TransitionNotices over D1: held requests by `bookings_held_by_expiry`, recently expired ones by
 * `bookings_expired_by_update`, each without its row in the `notify_transitions` ledger.
 */
export const TransitionNoticesLive: Layer.Layer<TransitionNotices, never, SqlClient.SqlClient> = Layer.effect(
  TransitionNotices,
  Effect.map(SqlClient.SqlClient, (sql) =>
    TransitionNotices.of({
      unannounced: (now, expiredSince, limit) =>
        sql`SELECT * FROM (
              SELECT 'booking.held' AS type, b.id AS booking_id, b.sequence, b.host_did, b.guest_did, b.start_at, b.end_at,
                     COALESCE(b.host_tz, b.tz) AS tz, b.location, b.conference, b.title, b.updated_at AS at
              FROM bookings b WHERE b.status = 'held' AND b.hold_expires_at > ${now}
                AND NOT EXISTS (SELECT 1 FROM notify_transitions t
                  WHERE t.booking_id = b.id AND t.sequence = b.sequence AND t.event_type = 'booking.held')
              UNION ALL
              SELECT 'booking.expired' AS type, b.id AS booking_id, b.sequence, b.host_did, b.guest_did, b.start_at, b.end_at,
                     COALESCE(b.host_tz, b.tz) AS tz, b.location, b.conference, b.title, b.updated_at AS at
              FROM bookings b WHERE b.status = 'expired' AND b.updated_at >= ${expiredSince}
                AND NOT EXISTS (SELECT 1 FROM notify_transitions t
                  WHERE t.booking_id = b.id AND t.sequence = b.sequence AND t.event_type = 'booking.expired')
            ) ORDER BY at, booking_id LIMIT ${limit}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(Rows)),
          // a place column that does not read is left out rather than holding back the notice
          Effect.map((rows) => rows.map(({ conference, location, title, ...transition }) => ({
            ...transition,
            ...bookingPlace({ location, conference }),
            ...titleFieldOf(title ?? undefined)
          }))),
          orRepositoryError("TransitionNotices.unannounced")
        ),
      record: (transition) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const rows = yield* sql`
            INSERT INTO notify_transitions (booking_id, sequence, event_type, announced_at)
            VALUES (${transition.bookingId}, ${transition.sequence}, ${transition.type}, ${now})
            ON CONFLICT DO NOTHING RETURNING booking_id`.pipe(orRepositoryError("TransitionNotices.record"))
          return rows.length === 1
        }),
      unrecord: (transition) =>
        sql`DELETE FROM notify_transitions WHERE booking_id = ${transition.bookingId} AND sequence = ${transition.sequence}
            AND event_type = ${transition.type}`.pipe(Effect.asVoid, orRepositoryError("TransitionNotices.unrecord"))
    }))
)
