import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { IngestMetricsLive } from "../adapters/analytics/IngestMetricsLive"
import { D1Live } from "../adapters/d1/D1Live"
import { IngestActivityRepoLive } from "../adapters/d1/IngestActivityRepoLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"

/**
 * What the AppView's `index-tasks` consumer and `reindex-drift` cron need beyond the repositories, the identity
 * resolver and the calendar-tasks producer (connectorsGraph.ts): the env, ingest activity, metrics, HTTP (listRecords).
 */
export const indexerLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  return Layer.mergeAll(
    root,
    FetchHttpClient.layer,
    IngestMetricsLive.pipe(Layer.provide(root)),
    IngestActivityRepoLive.pipe(Layer.provide(D1Live), Layer.provide(root))
  )
}
