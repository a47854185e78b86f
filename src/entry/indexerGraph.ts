import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { D1Live } from "../../adapters/d1/D1Live"
import { IngestActivityRepoLive } from "../../adapters/d1/IngestActivityRepoLive"
import { IngestMetrics } from "../../services/IngestMetrics"

/**
 * What the AppView's `index-tasks` consumer and `reindex-drift` cron need beyond the repositories and the
 * identity resolver: the env (CALENDAR_TASKS for the match hook), ingest activity, metrics, HTTP (listRecords).
 */
export const indexerLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  return Layer.mergeAll(
    root,
    FetchHttpClient.layer,
    IngestMetrics.Live.pipe(Layer.provide(root)),
    IngestActivityRepoLive.pipe(Layer.provide(D1Live), Layer.provide(root))
  )
}
