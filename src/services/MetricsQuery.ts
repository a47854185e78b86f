import { Context, type Effect, Schema } from "effect"
import type { MetricQuery, QueryResult, QueryWindow } from "../domain/metrics/metricQuery"

/** The metrics could not be read: not configured, the SQL API refused or failed, or the local record could not be read. */
export class MetricsQueryError extends Schema.TaggedError<MetricsQueryError>()("MetricsQueryError", {
  reason: Schema.String
}) {}

/**
 * Runs the console's metric queries (src/domain/metrics) and answers as the Analytics Engine SQL API does
 * (`FORMAT JSON`). Live: the SQL API over HTTP (`MetricsQueryLive`); development and tests: the same queries over the
 * data points recorded in D1 (`MetricsQueryLocal`).
 */
export class MetricsQuery extends Context.Tag("overlap/MetricsQuery")<MetricsQuery, {
  /** Where the answers come from, as the console says it ("Analytics Engine dataset overlap_events", "local record"). */
  readonly source: string
  readonly run: (query: MetricQuery, window: QueryWindow) => Effect.Effect<QueryResult, MetricsQueryError>
}>() {}
