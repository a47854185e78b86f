import { Layer } from "effect"
import { AccessVerifierLive } from "../adapters/access/AccessVerifierLive"
import { AuditEventsRepoLive } from "../adapters/d1/AuditEventsRepoLive"
import { D1Live } from "../adapters/d1/D1Live"
import { OperatorViewsLive } from "../adapters/d1/OperatorViewsLive"
import { WorkerHealthLive } from "../adapters/http/WorkerHealthLive"
import { MetricsQueryLive } from "../adapters/analytics/MetricsQueryLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"

/** The operator console's services (src/features/admin): Access, the D1 views, the workers' health, the metrics. */
export const adminLayer = (env: Env, selfHealth: () => Promise<Response>) => {
  const root = CloudflareEnv.layer(env)
  const sql = D1Live.pipe(Layer.provide(root))
  return Layer.mergeAll(
    AccessVerifierLive,
    WorkerHealthLive(selfHealth),
    OperatorViewsLive.pipe(Layer.provide(sql)),
    AuditEventsRepoLive.pipe(Layer.provide(sql)),
    MetricsQueryLive
  ).pipe(Layer.provide(root))
}
