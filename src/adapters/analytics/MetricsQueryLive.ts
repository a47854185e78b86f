import { Effect, Layer, Schema } from "effect"
import { DATASET_NAME, toSql } from "../../domain/metrics/metricQuery"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { MetricsQuery, MetricsQueryError } from "../../services/MetricsQuery"
import { MetricsQueryLocal } from "./MetricsQueryLocal"

/** The SQL API's address (https://developers.cloudflare.com/analytics/analytics-engine/sql-api/). */
export const sqlApiUrl = (accountId: string, base = "https://api.cloudflare.com") =>
  `${base}/client/v4/accounts/${encodeURIComponent(accountId)}/analytics_engine/sql`

/** The dataset each environment's workers write (wrangler*.toml `analytics_engine_datasets`). */
export const datasetFor = (env: Env): string =>
  env.ANALYTICS_DATASET ?? (env.ENVIRONMENT === "production" ? "overlap_events_production" : env.ENVIRONMENT === "staging" ? "overlap_events_staging" : "overlap_events")

const Answer = Schema.Struct({
  meta: Schema.Array(Schema.Struct({ name: Schema.String, type: Schema.String })),
  data: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) })),
  rows: Schema.Number
})

const QUERY_TIMEOUT = "10 seconds"

/**
 * `MetricsQuery` over the Analytics Engine SQL API: POST the query text with `Authorization: Bearer
 * <ANALYTICS_API_TOKEN>` to the account `ANALYTICS_ACCOUNT_ID`. Each call is its own request (nothing shared in
 * flight); a non-2xx, a timeout or an answer of another shape is a `MetricsQueryError` (the console says so).
 */
export const metricsQuerySqlApi = (env: Env, fetcher: typeof fetch = fetch): MetricsQuery["Type"] => {
  const dataset = datasetFor(env)
  const accountId = env.ANALYTICS_ACCOUNT_ID ?? ""
  const token = env.ANALYTICS_API_TOKEN ?? ""
  return MetricsQuery.of({
    source: `Analytics Engine dataset ${dataset}`,
    run: (query, window) =>
      Effect.gen(function*() {
        if (accountId === "" || token === "") return yield* new MetricsQueryError({ reason: "ANALYTICS_ACCOUNT_ID and ANALYTICS_API_TOKEN are not set" })
        if (!DATASET_NAME.test(dataset)) return yield* new MetricsQueryError({ reason: "ANALYTICS_DATASET is not a dataset name" })
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            fetcher(sqlApiUrl(accountId, env.ANALYTICS_SQL_API_BASE), {
              method: "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
              body: toSql(query, dataset, window),
              signal
            }),
          catch: (cause) => new MetricsQueryError({ reason: `SQL API unreachable: ${String(cause)}` })
        }).pipe(Effect.timeoutFail({ duration: QUERY_TIMEOUT, onTimeout: () => new MetricsQueryError({ reason: "SQL API timed out" }) }))
        const text = yield* Effect.tryPromise({ try: () => response.text(), catch: () => new MetricsQueryError({ reason: "SQL API answer unreadable" }) })
        if (!response.ok) return yield* new MetricsQueryError({ reason: `SQL API answered ${response.status}: ${text.slice(0, 200)}` })
        const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => new MetricsQueryError({ reason: "SQL API answer is not JSON" }) })
        return yield* Schema.decodeUnknown(Answer)(json).pipe(Effect.mapError(() => new MetricsQueryError({ reason: "SQL API answer has an unexpected shape" })))
      })
  })
}

/**
 * The console's `MetricsQuery`: in development the local record (`MetricsQueryLocal`, what `npm run dev` wrote);
 * anywhere else the SQL API.
 */
export const MetricsQueryLive: Layer.Layer<MetricsQuery, never, CloudflareEnv> = Layer.unwrapEffect(
  Effect.map(CloudflareEnv, (env) =>
    env.ENVIRONMENT === "development" ? MetricsQueryLocal : Layer.succeed(MetricsQuery, metricsQuerySqlApi(env)))
)
