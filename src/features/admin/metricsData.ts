import { Effect, Either } from "effect"
import {
  holdResults,
  ingestLag,
  ingestLagBySource,
  ingestLagSlo,
  availabilitySlo,
  matchLatency,
  matchSuccessSlo,
  objectRestarts,
  providerLatency,
  queueAge,
  queueBacklog,
  xrpcByMethod,
  xrpcOverTime
} from "../../domain/metrics/dashboardQueries"
import type { MetricQuery, QueryResult, QueryWindow } from "../../domain/metrics/metricQuery"
import { AVAILABILITY_THRESHOLD_MS, INGEST_LAG_THRESHOLD_MS, OBJECTIVES, type SloStatus, sloStatus } from "../../domain/metrics/slo"
import { MetricsQuery } from "../../services/MetricsQuery"

/** A query's answer, or why there is none (shown on the page; one failing query does not take the page down). */
export type Answer = Either.Either<QueryResult, string>

const ask = (query: MetricQuery, window: QueryWindow): Effect.Effect<Answer, never, MetricsQuery> =>
  Effect.flatMap(MetricsQuery, (metrics) => Effect.either(Effect.mapError(metrics.run(query, window), (e) => e.reason)))

export const DASHBOARD = {
  matchLatency,
  holdResults,
  xrpcOverTime,
  xrpcByMethod,
  providerLatency,
  queueAge,
  ingestLag,
  objectRestarts
} as const

export type Dashboard = { readonly [K in keyof typeof DASHBOARD]: Answer }

/** Every chart's query over the window, at once. */
export const dashboardData = (window: QueryWindow): Effect.Effect<Dashboard, never, MetricsQuery> =>
  Effect.all(
    Object.fromEntries(Object.entries(DASHBOARD).map(([key, query]) => [key, ask(query, window)])) as { [K in keyof typeof DASHBOARD]: Effect.Effect<Answer, never, MetricsQuery> },
    { concurrency: "unbounded" }
  )

/** Per ingest source over the window: event lag p99 and max (ms), reports. */
export const ingestLagBySourceData = (window: QueryWindow): Effect.Effect<Answer, never, MetricsQuery> => ask(ingestLagBySource, window)

/** Per queue over the window: the oldest message a consumed batch had (s) and the messages consumed. */
export const queueBacklogData = (window: QueryWindow): Effect.Effect<Answer, never, MetricsQuery> => ask(queueBacklog, window)

const num = (value: string | number | undefined) => (value === undefined ? 0 : Number(value))

/** Each objective's standing over the window (or why it cannot be computed). */
export const sloData = (window: QueryWindow): Effect.Effect<ReadonlyArray<{ readonly status: Either.Either<SloStatus & { readonly percentile?: number }, string> }>, never, MetricsQuery> =>
  Effect.forEach(
    OBJECTIVES,
    (objective) => {
      const query = objective.id === "match_success" ? matchSuccessSlo : objective.id === "availability" ? availabilitySlo(AVAILABILITY_THRESHOLD_MS) : ingestLagSlo(INGEST_LAG_THRESHOLD_MS)
      return Effect.map(ask(query, window), (answer) => ({
        status: Either.map(answer, (result) => {
          const row = result.data[0] ?? {}
          const percentile = row.p95 ?? row.p99
          return { ...sloStatus(objective, num(row.valid), num(row.good)), ...(percentile !== undefined ? { percentile: num(percentile) } : {}) }
        })
      }))
    },
    { concurrency: "unbounded" }
  )
