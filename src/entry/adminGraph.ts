import { Layer } from "effect"
import { AccessVerifierLive } from "../adapters/access/AccessVerifierLive"
import { TokenVaultLive } from "../adapters/crypto/TokenVaultLive"
import { AuditEventsRepoLive } from "../adapters/d1/AuditEventsRepoLive"
import { DeadLetterRecordsLive } from "../adapters/d1/DeadLetterRecordsLive"
import { D1Live } from "../adapters/d1/D1Live"
import { OperatorViewsLive } from "../adapters/d1/OperatorViewsLive"
import { WorkerHealthLive } from "../adapters/http/WorkerHealthLive"
import { MetricsQueryLive } from "../adapters/analytics/MetricsQueryLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"

/**
 * The operator console's services (src/features/admin): Access, the D1 views, the workers' health, the metrics, the
 * dead letters (also what the `*-dlq` consumer records with: src/features/deadLetters).
 */
export const adminLayer = (env: Env, selfHealth: () => Promise<Response>) => {
  const root = CloudflareEnv.layer(env)
  const sql = D1Live.pipe(Layer.provide(root))
  return Layer.mergeAll(
    AccessVerifierLive,
    WorkerHealthLive(selfHealth),
    OperatorViewsLive.pipe(Layer.provide(sql)),
    AuditEventsRepoLive.pipe(Layer.provide(sql)),
    DeadLetterRecordsLive.pipe(Layer.provide(Layer.mergeAll(sql, TokenVaultLive))),
    MetricsQueryLive
  ).pipe(Layer.provide(root))
}
