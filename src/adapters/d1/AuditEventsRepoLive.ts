import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { AuditEvent, AuditEventsRepo, NewAuditEvent } from "../../services/AuditEventsRepo"
import { EpochMillis } from "../../domain/identifiers"
import { orRepositoryError } from "../../services/RepositoryError"

export const AuditEventsRepoLive: Layer.Layer<AuditEventsRepo, never, SqlClient.SqlClient> = Layer.effect(
  AuditEventsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const append = SqlSchema.single({
      Request: Schema.Struct({ ...NewAuditEvent.fields, createdAt: EpochMillis }),
      Result: AuditEvent,
      execute: (event) => sql`INSERT INTO audit_events ${sql.insert(event)} RETURNING *`
    })

    const listByBooking = SqlSchema.findAll({
      Request: Schema.String,
      Result: AuditEvent,
      execute: (bookingId) => sql`SELECT * FROM audit_events WHERE booking_id = ${bookingId} ORDER BY id`
    })

    return AuditEventsRepo.of({
      append: (event) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((createdAt) => append({ ...event, createdAt })),
          orRepositoryError("AuditEventsRepo.append")
        ),
      listByBooking: (bookingId) => listByBooking(bookingId).pipe(orRepositoryError("AuditEventsRepo.listByBooking"))
    })
  })
)
