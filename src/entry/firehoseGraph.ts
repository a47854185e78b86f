import { FetchHttpClient } from "@effect/platform"
import { Layer } from "effect"
import { IngestMetricsLive } from "../adapters/analytics/IngestMetricsLive"
import { IdentityResolverLive } from "../adapters/atproto/IdentityResolverLive"
import { AuditEventsRepoLive } from "../adapters/d1/AuditEventsRepoLive"
import { D1Live } from "../adapters/d1/D1Live"
import { FirehoseCursorsRepoLive } from "../adapters/d1/FirehoseCursorsRepoLive"
import { IndexTaskQueueLive } from "../adapters/queues/IndexTaskQueueLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"

/** The firehose worker's service graph (FirehoseDO and the Tap webhook): built once per `env`. */
export const firehoseLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  const repositories = Layer.mergeAll(AuditEventsRepoLive, FirehoseCursorsRepoLive).pipe(Layer.provide(D1Live), Layer.provide(root))
  const identity = IdentityResolverLive.pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer)))
  const outputs = Layer.mergeAll(IngestMetricsLive, IndexTaskQueueLive).pipe(Layer.provide(root))
  return Layer.mergeAll(root, repositories, identity, outputs)
}

export type FirehoseServices = Layer.Layer.Success<ReturnType<typeof firehoseLayer>>
