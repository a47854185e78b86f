import { Effect } from "effect"
import type { DataPoint } from "../../services/Analytics"
import type { Env } from "../../platform/CloudflareEnv"

/** Blob values that name a person are never kept in the local record (Analytics Engine gets what it always got). */
const PERSON = /^did:/

/**
 * Writes one data point: to the `ANALYTICS` Analytics Engine dataset (fire-and-forget: the runtime batches it), and in
 * development also to D1's `metric_points` (migration 0020), the local record the console's query stand-in reads
 * (`MetricsQueryLocal`). A failure loses that point and is logged; it never fails the caller.
 */
export const writeDataPoint = (env: Env, point: DataPoint): Effect.Effect<void> =>
  Effect.gen(function*() {
    yield* Effect.try(() =>
      env.ANALYTICS?.writeDataPoint({ indexes: [...point.indexes], blobs: [...point.blobs], doubles: [...point.doubles] })
    ).pipe(Effect.catchAll((cause) => Effect.logWarning("analytics data point dropped", String(cause.error))))
    if (env.ENVIRONMENT !== "development" || env.DB === undefined) return
    const blobs = point.blobs.map((blob) => (PERSON.test(blob) ? "redacted" : blob))
    yield* Effect.tryPromise(() =>
      env.DB.prepare("INSERT INTO metric_points (timestamp, index1, blobs, doubles) VALUES (?, ?, ?, ?)")
        .bind(Date.now(), point.indexes[0] ?? "", JSON.stringify(blobs), JSON.stringify(point.doubles))
        .run()
    ).pipe(Effect.catchAll((cause) => Effect.logDebug("local metric point not recorded", String(cause.error))))
  })
