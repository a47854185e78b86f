import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { OperatorViews } from "../../services/OperatorViews"
import { orRepositoryError } from "../../services/RepositoryError"

/** `OperatorViews` over D1: GROUP BY counts on bookings and connectors, the firehose cursors. */
export const OperatorViewsLive: Layer.Layer<OperatorViews, never, SqlClient.SqlClient> = Layer.effect(
  OperatorViews,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return OperatorViews.of({
      bookingsByState: () =>
        sql<{ key: string; count: number }>`SELECT status AS key, count(*) AS count FROM bookings GROUP BY status ORDER BY status`.pipe(
          orRepositoryError("OperatorViews.bookingsByState")
        ),
      holds: (now) =>
        sql<{ live: number | null; overdue: number | null }>`
          SELECT sum(CASE WHEN hold_expires_at IS NULL OR hold_expires_at > ${now} THEN 1 ELSE 0 END) AS live,
                 sum(CASE WHEN hold_expires_at <= ${now} THEN 1 ELSE 0 END) AS overdue
          FROM bookings WHERE status = 'held'`.pipe(
          Effect.map((rows) => ({ live: rows[0]?.live ?? 0, overdue: rows[0]?.overdue ?? 0 })),
          orRepositoryError("OperatorViews.holds")
        ),
      brokenConnectors: () =>
        sql<{ key: string; count: number }>`SELECT provider AS key, count(*) AS count FROM connectors WHERE status = 'broken' GROUP BY provider ORDER BY provider`.pipe(
          orRepositoryError("OperatorViews.brokenConnectors")
        ),
      sourceCursors: () =>
        sql<{ source: string; cursor: number; updatedAt: number }>`SELECT source, cursor, updated_at FROM firehose_cursors ORDER BY source`.pipe(
          orRepositoryError("OperatorViews.sourceCursors")
        )
    })
  })
)
