import { Clock, Effect, Layer } from "effect"
import { evaluate, type RecordedPoint } from "../../domain/metrics/metricQuery"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { MetricsQuery, MetricsQueryError } from "../../services/MetricsQuery"

/** The local record keeps this long; older points are dropped when the console reads. */
export const LOCAL_RETENTION_MS = 8 * 24 * 3_600_000
/** At most this many points are read for one query (the newest). */
const MAX_POINTS = 50_000

const parseArray = <A>(text: string): ReadonlyArray<A> => {
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? (value as ReadonlyArray<A>) : []
  } catch {
    return []
  }
}

/**
 * `MetricsQuery` in development and tests: the same queries (`evaluate`) over the data points the workers recorded
 * in D1's `metric_points` (src/adapters/analytics/dataPointWriter.ts), answering the SQL API's JSON shape.
 */
export const MetricsQueryLocal: Layer.Layer<MetricsQuery, never, CloudflareEnv> = Layer.effect(
  MetricsQuery,
  Effect.map(CloudflareEnv, (env) =>
    MetricsQuery.of({
      source: "local record (D1 metric_points, development)",
      run: (query, window) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const since = now - window.minutes * 60_000
          const read = Effect.tryPromise({
            try: async () => {
              await env.DB.prepare("DELETE FROM metric_points WHERE timestamp < ?").bind(now - LOCAL_RETENTION_MS).run()
              return env.DB.prepare(
                "SELECT timestamp, index1, blobs, doubles FROM metric_points WHERE index1 = ? AND timestamp > ? ORDER BY timestamp DESC LIMIT ?"
              ).bind(query.metric, since, MAX_POINTS).all<{ timestamp: number; index1: string; blobs: string; doubles: string }>()
            },
            catch: (cause) => new MetricsQueryError({ reason: `local record unreadable: ${String(cause)}` })
          })
          const rows = (yield* read).results
          const points: ReadonlyArray<RecordedPoint> = rows.map((row) => ({
            timestamp: row.timestamp,
            index1: row.index1,
            blobs: parseArray<string>(row.blobs).map(String),
            doubles: parseArray<number>(row.doubles).map(Number)
          }))
          return evaluate(query, points, window, now)
        })
    }))
)
