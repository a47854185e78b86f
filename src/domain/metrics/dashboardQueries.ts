import {
  all,
  blobIn,
  blobIs,
  blobNot,
  count,
  countIf,
  doubleAtLeast,
  doubleAtMost,
  maxOf,
  type MetricQuery,
  not,
  quantile,
  sumOf
} from "./metricQuery"

/**
 * The queries behind the console's charts and SLO page (docs/operations.md, "Metrics"): the data point layout they
 * read is the one `src/services/Analytics.ts` writes. Negative durations (a clock that went backwards) are left out.
 */

const measured = doubleAtLeast(1, 0)

/** time_to_match_ms: p50 / p95 per bucket, and how many matches. */
export const matchLatency: MetricQuery = {
  id: "match_latency",
  metric: "time_to_match",
  where: [measured],
  overTime: true,
  aggregates: [quantile("p50", 0.5, 1), quantile("p95", 0.95, 1), count("matches")]
}

/** hold_success_rate: hold attempts and successes per bucket (rate = successes / attempts). */
export const holdResults: MetricQuery = {
  id: "hold_results",
  metric: "hold_result",
  where: [],
  overTime: true,
  aggregates: [count("attempts"), countIf("successes", blobIs(2, "success"))]
}

/** provider_latency_ms per provider: p50 / p95, calls and failures (no answer or 4xx/5xx). */
export const providerLatency: MetricQuery = {
  id: "provider_latency",
  metric: "provider_latency",
  where: [measured],
  byBlob: 2,
  overTime: true,
  aggregates: [quantile("p50", 0.5, 1), quantile("p95", 0.95, 1), count("calls"), countIf("failures", blobIs(3, "error"))]
}

/** queue_age_s per queue: p95 and max age of a batch's oldest message, messages consumed. */
export const queueAge: MetricQuery = {
  id: "queue_age",
  metric: "queue_age",
  where: [measured],
  byBlob: 2,
  overTime: true,
  aggregates: [quantile("p95_oldest_s", 0.95, 1), maxOf("max_oldest_s", 1), sumOf("messages", 2)]
}

/** Per ingest source over the whole window (the console's overview): event lag p99 and the newest lag reported. */
export const ingestLagBySource: MetricQuery = {
  id: "ingest_lag_by_source",
  metric: "ingest_lag",
  where: [measured],
  byBlob: 2,
  overTime: false,
  aggregates: [quantile("p99", 0.99, 1), maxOf("max", 1), count("reports")]
}

/** Per queue over the whole window (the console's backlog table): the oldest message a batch had, messages consumed. */
export const queueBacklog: MetricQuery = {
  id: "queue_backlog",
  metric: "queue_age",
  where: [measured],
  byBlob: 2,
  overTime: false,
  aggregates: [maxOf("max_oldest_s", 1), sumOf("messages", 2)]
}

/** do_restarts per Durable Object class. */
export const objectRestarts: MetricQuery = {
  id: "do_restarts",
  metric: "do_restart",
  where: [],
  byBlob: 2,
  overTime: true,
  aggregates: [count("restarts")]
}

/** Ingest lag per source: p50 / p99 (ms). */
export const ingestLag: MetricQuery = {
  id: "ingest_lag",
  metric: "ingest_lag",
  where: [measured],
  byBlob: 2,
  overTime: true,
  aggregates: [quantile("p50", 0.5, 1), quantile("p99", 0.99, 1), count("reports")]
}

/** XRPC requests per bucket: p95 latency, 4xx, 5xx. */
export const xrpcOverTime: MetricQuery = {
  id: "xrpc_over_time",
  metric: "xrpc_request",
  where: [measured],
  overTime: true,
  aggregates: [quantile("p95", 0.95, 1), count("requests"), countIf("client_errors", blobIs(3, "4xx")), countIf("server_errors", blobIs(3, "5xx"))]
}

/** 4xx / 5xx per XRPC method over the whole window. */
export const xrpcByMethod: MetricQuery = {
  id: "xrpc_by_method",
  metric: "xrpc_request",
  where: [measured],
  byBlob: 2,
  overTime: false,
  aggregates: [count("requests"), countIf("client_errors", blobIs(3, "4xx")), countIf("server_errors", blobIs(3, "5xx")), quantile("p95", 0.95, 1)]
}

// --- SLOs: good and valid events over the window ---

/** The outcomes that are a correct answer to a match: a hold, a token to poll, or "no common time". */
export const MATCH_GOOD_OUTCOMES = ["held", "pending", "no-slot"] as const

/** Match success: valid = every match but policy refusals (the caller's doing); good = a correct answer. */
export const matchSuccessSlo: MetricQuery = {
  id: "slo_match_success",
  metric: "time_to_match",
  where: [blobNot(2, "refused")],
  overTime: false,
  aggregates: [count("valid"), countIf("good", blobIn(2, MATCH_GOOD_OUTCOMES))]
}

/** Availability: an XRPC answer is good when it is not a 5xx and came within the latency threshold. */
export const availabilitySlo = (thresholdMs: number): MetricQuery => ({
  id: "slo_availability",
  metric: "xrpc_request",
  where: [measured, blobNot(2, "none")],
  overTime: false,
  aggregates: [count("valid"), countIf("good", all(not(blobIs(3, "5xx")), doubleAtMost(1, thresholdMs))), quantile("p95", 0.95, 1)]
})

/** Ingest lag: a report is good when the lag is within the threshold. */
export const ingestLagSlo = (thresholdMs: number): MetricQuery => ({
  id: "slo_ingest_lag",
  metric: "ingest_lag",
  where: [measured],
  overTime: false,
  aggregates: [count("valid"), countIf("good", doubleAtMost(1, thresholdMs)), quantile("p99", 0.99, 1)]
})
