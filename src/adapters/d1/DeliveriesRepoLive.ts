import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import type { DeliveryKey } from "../../domain/notify/task"
import { ClaimResult, DeliveriesRepo, Delivery } from "../../services/DeliveriesRepo"
import { orRepositoryError } from "../../services/RepositoryError"

const decodeDeliveries = Schema.decodeUnknown(Schema.Array(Delivery))
const ClaimedRow = Schema.Array(Schema.Struct({ attempts: Schema.Int, leaseUntil: Schema.Int }))

export const DeliveriesRepoLive: Layer.Layer<DeliveriesRepo, never, SqlClient.SqlClient> = Layer.effect(
  DeliveriesRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const where = (key: DeliveryKey) =>
      sql`notification_id = ${key.notificationId} AND channel = ${key.channel} AND target = ${key.target}`

    const get = (key: DeliveryKey) =>
      sql`SELECT * FROM notify_deliveries WHERE ${where(key)}`.pipe(
        Effect.flatMap(decodeDeliveries),
        Effect.map((rows) => rows[0]),
        orRepositoryError("DeliveriesRepo.get")
      )

    return DeliveriesRepo.of({
      claim: (key, leaseMs) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const leaseUntil = now + leaseMs
          // One statement, so SQLite makes it atomic: insert a fresh claim, or take over a failed delivery or
          // an expired claim; a delivered, dead or still-leased row is left alone and nothing is returned.
          const claimed = yield* sql`
            INSERT INTO notify_deliveries
              (notification_id, channel, target, status, attempts, lease_until, created_at, updated_at)
            VALUES (${key.notificationId}, ${key.channel}, ${key.target}, 'sending', 1, ${leaseUntil}, ${now}, ${now})
            ON CONFLICT (notification_id, channel, target) DO UPDATE SET
              status = 'sending',
              attempts = notify_deliveries.attempts + 1,
              lease_until = excluded.lease_until,
              updated_at = excluded.updated_at
            WHERE notify_deliveries.status = 'failed'
               OR (notify_deliveries.status = 'sending' AND notify_deliveries.lease_until <= ${now})
            RETURNING attempts, lease_until`.pipe(
            Effect.flatMap(Schema.decodeUnknown(ClaimedRow)),
            orRepositoryError("DeliveriesRepo.claim")
          )
          if (claimed[0]) return ClaimResult.Claimed(claimed[0])
          const row = yield* get(key)
          if (row === undefined) {
            // Unreachable unless the row was purged between the two statements: report busy, retry later.
            return ClaimResult.Busy({ leaseUntil: now })
          }
          return row.status === "delivered"
            ? ClaimResult.AlreadyDelivered()
            : row.status === "dead"
            ? ClaimResult.Dead()
            : ClaimResult.Busy({ leaseUntil: row.leaseUntil ?? now })
        }),

      markDelivered: (key) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE notify_deliveries
              SET status = 'delivered', delivered_at = ${now}, lease_until = NULL, last_error = NULL, updated_at = ${now}
              WHERE ${where(key)}`.pipe(Effect.asVoid, orRepositoryError("DeliveriesRepo.markDelivered"))),

      markFailed: (key, error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE notify_deliveries
              SET status = 'failed', last_error = ${error.slice(0, 2000)}, lease_until = NULL, updated_at = ${now}
              WHERE ${where(key)} AND status = 'sending'`.pipe(Effect.asVoid, orRepositoryError("DeliveriesRepo.markFailed"))),

      markDead: (key, error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE notify_deliveries
              SET status = 'dead', last_error = ${error.slice(0, 2000)}, lease_until = NULL, updated_at = ${now}
              WHERE ${where(key)} AND status <> 'delivered'`.pipe(Effect.asVoid, orRepositoryError("DeliveriesRepo.markDead"))),

      get: (key) => Effect.map(get(key), (row) => (row === undefined ? Option.none() : Option.some(row)))
    })
  })
)
