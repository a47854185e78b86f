import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { mergeBusy } from "../../domain/calendar/ranges"
import {
  CalendarProvider,
  HoldGone,
  HoldRef,
  ProviderRejected,
  ProviderUnavailable
} from "../../services/CalendarProvider"
import { LocalCalendar, LocalEvent, LocalEventNotFound } from "../../services/LocalCalendar"
import { orRepositoryError } from "../../services/RepositoryError"

/**
 * The local calendar (the embedded default `CalendarProvider`): each user's own calendar, kept in D1
 * (`local_calendar_events`, migrations/0002_matching.sql). Busy time is every event, tentative or confirmed.
 * Holds are events carrying their booking id; the unique (did, booking_id) index makes `placeHold`
 * idempotent. A D1 failure is `ProviderUnavailable` (retryable), like a provider's 5xx.
 */

const PROVIDER = "local"

/** The event id of the hold for a booking: deterministic, so a retried placeHold meets the first one. */
export const localHoldEventId = (bookingId: string): string => `ovl-${bookingId}`

const decodeEvents = Schema.decodeUnknown(Schema.Array(LocalEvent))

/**
 * Free/busy rows: two numbers each. Read on every match for both people, and a busy host has many, so they
 * are checked by hand rather than through a schema (same strictness: anything else is a failure).
 */
const spansOf = (rows: ReadonlyArray<unknown>) =>
  Effect.try({
    try: () =>
      rows.map((row) => {
        const { endAt, startAt } = row as { readonly startAt?: unknown; readonly endAt?: unknown }
        if (typeof startAt !== "number" || typeof endAt !== "number") throw new Error("a busy row is not two numbers")
        return { start: startAt, end: endAt }
      }),
    catch: (cause) => cause
  })
const VersionRows = Schema.Array(Schema.Struct({ eventId: Schema.String, version: Schema.Number }))

const refOf = (did: string, eventId: string, version: number): HoldRef =>
  new HoldRef({ provider: PROVIDER, connectorId: PROVIDER, calendarId: did, eventId, etag: String(version) })

const unavailable = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.mapError(self, (cause) => new ProviderUnavailable({ provider: PROVIDER, cause }))

/** The `CalendarProvider` over the local calendar's table (usable on its own by a provider router). */
export const makeLocalCalendarProvider = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  /** Bumps the event's version with `set` applied; HoldGone when the event is not there. */
  const update = (did: string, ref: HoldRef, set: ReturnType<typeof sql.csv>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql`UPDATE local_calendar_events
                              SET ${set}, updated_at = ${now}, version = version + 1
                              WHERE did = ${did} AND event_id = ${ref.eventId}
                              RETURNING event_id, version`.pipe(Effect.flatMap(Schema.decodeUnknown(VersionRows)), unavailable)
      const row = rows[0]
      return row ? refOf(did, row.eventId, row.version) : yield* new HoldGone({ provider: PROVIDER, eventId: ref.eventId })
    })

  return CalendarProvider.of({
    busy: (did, range) =>
      sql`SELECT start_at, end_at FROM local_calendar_events
          WHERE did = ${did} AND end_at > ${range.start} AND start_at < ${range.end}`.pipe(
        Effect.flatMap(spansOf),
        Effect.map((spans) => mergeBusy(spans, range)),
        unavailable
      ),

    placeHold: (did, hold) =>
      Effect.gen(function*() {
        if (!(hold.end > hold.start)) {
          return yield* new ProviderRejected({ provider: PROVIDER, status: 400, message: "hold end must be after its start" })
        }
        const now = yield* Clock.currentTimeMillis
        // Insert; on a conflict (the unique (did, booking_id) index) meet the hold a previous attempt placed.
        const inserted = yield* sql`INSERT INTO local_calendar_events
              (did, event_id, start_at, end_at, status, booking_id, summary, tz, created_at, updated_at, version)
            VALUES (${did}, ${localHoldEventId(hold.bookingId)}, ${hold.start}, ${hold.end}, 'tentative',
                    ${hold.bookingId}, ${hold.summary}, ${hold.tz}, ${now}, ${now}, 1)
            ON CONFLICT DO NOTHING
            RETURNING event_id, version`.pipe(unavailable)
        const rows = inserted.length > 0
          ? inserted
          : yield* sql`SELECT event_id, version FROM local_calendar_events
                       WHERE did = ${did} AND booking_id = ${hold.bookingId}`.pipe(unavailable)
        const [row] = yield* Schema.decodeUnknown(VersionRows)(rows).pipe(unavailable)
        return row
          ? refOf(did, row.eventId, row.version)
          : yield* new ProviderRejected({ provider: PROVIDER, status: 409, message: "event id taken by another event" })
      }),

    confirmHold: (did, ref) => update(did, ref, sql.csv([sql`status = 'confirmed'`])),

    moveHold: (did, ref, to) =>
      to.end > to.start
        ? update(did, ref, sql.csv([sql`start_at = ${to.start}`, sql`end_at = ${to.end}`]))
        : Effect.fail(new ProviderRejected({ provider: PROVIDER, status: 400, message: "end must be after start" })),

    // Deleting an event that is already gone is a success: releases are retried and must be idempotent.
    releaseHold: (did, ref) =>
      sql`DELETE FROM local_calendar_events WHERE did = ${did} AND event_id = ${ref.eventId}`.pipe(Effect.asVoid, unavailable)
  })
})

/** The owner's side of the same table: their own events. */
export const makeLocalCalendar = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return LocalCalendar.of({
    addEvent: (did, event) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql`INSERT INTO local_calendar_events
                                  (did, event_id, start_at, end_at, status, booking_id, summary, tz, created_at, updated_at, version)
                                VALUES (${did}, ${crypto.randomUUID()}, ${event.start}, ${event.end},
                                        ${event.status ?? "confirmed"}, NULL, ${event.summary}, ${event.tz}, ${now}, ${now}, 1)
                                RETURNING *`.pipe(Effect.flatMap(decodeEvents), orRepositoryError("LocalCalendar.addEvent"))
        return rows[0]!
      }),

    listEvents: (did, range) =>
      sql`SELECT * FROM local_calendar_events
          WHERE did = ${did} AND end_at > ${range.start} AND start_at < ${range.end}
          ORDER BY start_at, event_id`.pipe(Effect.flatMap(decodeEvents), orRepositoryError("LocalCalendar.listEvents")),

    removeEvent: (did, eventId) =>
      sql`DELETE FROM local_calendar_events WHERE did = ${did} AND event_id = ${eventId} RETURNING 1 AS removed`.pipe(
        orRepositoryError("LocalCalendar.removeEvent"),
        Effect.flatMap((rows) => rows.length > 0 ? Effect.void : Effect.fail(new LocalEventNotFound({ did, eventId })))
      )
  })
})

/** `CalendarProvider` and `LocalCalendar` over D1 (provide `D1Live`). */
export const LocalCalendarLive: Layer.Layer<CalendarProvider | LocalCalendar, never, SqlClient.SqlClient> = Layer.merge(
  Layer.effect(CalendarProvider, makeLocalCalendarProvider),
  Layer.effect(LocalCalendar, makeLocalCalendar)
)
