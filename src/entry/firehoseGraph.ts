import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { IndexTaskQueue } from "../features/ingest/indexTaskQueue"
import { AuditEventsRepoLive } from "../adapters/d1/AuditEventsRepoLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { D1Live } from "../adapters/d1/D1Live"
import { FirehoseCursorsRepoLive } from "../adapters/d1/FirehoseCursorsRepoLive"
import { IdentityResolverLive } from "../adapters/atproto/IdentityResolverLive"
import { IngestMetrics } from "../services/IngestMetrics"

/** The firehose worker's service graph (FirehoseDO and the Tap webhook): built once per `env`. */
export const firehoseLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  const repositories = Layer.mergeAll(AuditEventsRepoLive, FirehoseCursorsRepoLive).pipe(Layer.provide(D1Live), Layer.provide(root))
  const identity = IdentityResolverLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const outputs = Layer.mergeAll(IngestMetrics.Live, IndexTaskQueue.Live).pipe(Layer.provide(root))
  return Layer.mergeAll(root, repositories, identity, outputs)
}

export type FirehoseServices = Layer.Layer.Success<ReturnType<typeof firehoseLayer>>
