import { Effect, Layer } from "effect"
import { handleOAuthRoute, isOAuthRoute } from "../features/connectors/oauthCallback"
import { handleAdminRoute, isAdminRoute } from "../features/admin/adminRoute"
import { handleExportDownload, isExportDownload } from "../features/account/exportDownload"
import { handleSignInRoute, isSignInRoute } from "../features/signin/signInRoutes"
import { handleActionLink, isActionLinkRoute } from "../features/notify/actionLinkRoute"
import { reminderSweep } from "../features/notify/reminderSweep"
import { transitionSweep } from "../features/notify/transitionSweep"
import { TransitionNoticesLive } from "../adapters/d1/TransitionNoticesLive"
import { D1Live } from "../adapters/d1/D1Live"
import { makeXrpcHandler } from "../features/xrpcHandler"
import { observeXrpc } from "../features/xrpc/xrpcMetrics"
import { observeQueueBatch } from "../features/metrics/queueAge"
import { recordDeadLetterBatch } from "../features/deadLetters/recordDeadLetterBatch"
import { sourceQueueOf } from "../domain/queues/deadLetter"
import { defaultAdmission, makeAdmission, parseMaxInFlight } from "../domain/admission"
import { calendarTaskBatch } from "../features/calendarTasks"
import { expirySweep } from "../features/matching/expirySweep"
import { indexTaskBatch } from "../features/ingest/indexTasks"
import { refreshConnectors } from "../features/connectors/refreshConnectors"
import { rotateVaultKeys } from "../features/connectors/vaultKeys"
import { handleVaultKeys, VAULT_KEYS_PATH } from "../features/connectors/vaultKeysRoute"
import { reindexDrift } from "../features/ingest/reindexDrift"
import type { Env } from "../platform/CloudflareEnv"
import { buildIsolateRuntime, perEnv } from "../platform/isolateRuntime"
import { scheduledClock } from "../platform/scheduledClock"
import { adminLayer } from "./adminGraph"
import { accountLayer } from "./accountGraph"
import { appviewLayer } from "./appviewGraph"
import { appviewBindings } from "./bindings"
import { cronJobOf } from "./crons"
import { checkHealth } from "./health"

export { BookingDO } from "./objects/BookingDO"
export { HostMatchDO } from "./objects/HostMatchDO"
export { RateLimiterDO } from "./objects/RateLimiterDO"
export { SessionDO } from "./objects/SessionDO"
export { UserConnectorDO } from "./objects/UserConnectorDO"

// One service graph per `env` (per isolate in practice), never per request, built synchronously by the first
// caller (nobody awaits a build in flight). The XRPC app is built over the runtime's memo map, so the two share
// the same layer instances (caches, clients).
const runtimeFor = perEnv((env) => {
  const services = appviewLayer(env)
  const runtime = buildIsolateRuntime(services)
  const admission = makeAdmission({ ...defaultAdmission, maxInFlight: parseMaxInFlight(env.MAX_INFLIGHT_XRPC) })
  return { runtime, xrpc: makeXrpcHandler(services, runtime.memoMap, admission) }
})
// The operator console behind Cloudflare Access (src/features/admin): its own small graph, built once per `env`.
const adminRuntimeFor = perEnv((env) => buildIsolateRuntime(adminLayer(env, () => checkHealth("appview", env, appviewBindings))))
// Account export downloads (src/features/account): R2 and the signed links.
const accountRuntimeFor = perEnv((env) => buildIsolateRuntime(accountLayer(env)))

export default {
  async fetch(request, env, ctx?: ExecutionContext) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("appview", env, appviewBindings)
    if (isAdminRoute(url.pathname)) return adminRuntimeFor(env).runPromise(handleAdminRoute(request))
    if (isExportDownload(url.pathname)) return accountRuntimeFor(env).runPromise(handleExportDownload(request))
    if (url.pathname === VAULT_KEYS_PATH) return handleVaultKeys(request, env, (effect) => runtimeFor(env).runtime.runPromise(effect))
    if (isOAuthRoute(url.pathname)) return runtimeFor(env).runtime.runPromise(handleOAuthRoute(request))
    if (isSignInRoute(url.pathname)) return runtimeFor(env).runtime.runPromise(handleSignInRoute(request))
    if (isActionLinkRoute(url.pathname)) return runtimeFor(env).runtime.runPromise(handleActionLink(request))
    // 4xx/5xx and latency per XRPC method (docs/operations.md, "Metrics"), written after the answer is made
    const started = Date.now()
    const { runtime, xrpc } = runtimeFor(env)
    const response = await xrpc.handle(request)
    const observed = runtime.runPromise(observeXrpc(url.pathname, response.status, Date.now() - started))
    if (ctx !== undefined) ctx.waitUntil(observed)
    else await observed
    return response
  },

  async queue(batch, env) {
    await runtimeFor(env).runtime.runPromise(observeQueueBatch(batch))
    // every `*-dlq` queue first (`index-tasks-dlq` also starts with `index-tasks`): recorded for the console
    if (sourceQueueOf(batch.queue) !== undefined) return void (await adminRuntimeFor(env).runPromise(recordDeadLetterBatch(batch)))
    if (batch.queue.startsWith("index-tasks")) return void (await runtimeFor(env).runtime.runPromise(indexTaskBatch(batch)))
    if (batch.queue.startsWith("calendar-tasks")) return void (await runtimeFor(env).runtime.runPromise(calendarTaskBatch(batch)))
    console.warn(JSON.stringify({ message: "no consumer for this queue yet", queue: batch.queue }))
  },

  async scheduled(controller, env, ctx) {
    const job = cronJobOf(controller.cron)
    const { runtime } = runtimeFor(env)
    switch (job) {
      case "expire-holds":
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(expirySweep)))
        // the same minute: reminders before meetings that are on (docs/notifications.md), as of the trigger's time
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(reminderSweep).pipe(Effect.withClock(scheduledClock(controller.scheduledTime)))))
        // and the hold engine's held / expired requests told to both people
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(Effect.provide(transitionSweep, TransitionNoticesLive.pipe(Layer.provide(D1Live))))))
        return
      case "reindex-drift":
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(reindexDrift())))
        return
      case "refresh-oauth":
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(refreshConnectors)))
        // Every sealed value (connectors of any status, webhook secrets) re-wrapped under the current vault key.
        ctx.waitUntil(runtime.runPromise(Effect.ignoreLogged(rotateVaultKeys())))
        return
      default:
        console.warn(JSON.stringify({ message: "no job runs on this cron yet", cron: controller.cron, job }))
    }
  }
} satisfies ExportedHandler<Env>
