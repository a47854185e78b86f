import { Effect, Layer, ManagedRuntime } from "effect"
import { makeXrpcHandler, type XrpcHandler } from "../api/xrpcHandler"
import { expirySweep } from "../jobs/expirySweep"
import type { Env } from "../layers/CloudflareEnv"
import { appviewLayer } from "./appviewGraph"
import { appviewBindings } from "./bindings"
import { cronJobOf } from "./crons"
import { checkHealth } from "./health"

export { BookingDO } from "./objects/BookingDO"
export { HostMatchDO } from "./objects/HostMatchDO"
export { RateLimiterDO } from "./objects/RateLimiterDO"
export { UserConnectorDO } from "./objects/UserConnectorDO"

interface AppviewRuntime {
  readonly xrpc: XrpcHandler
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<ReturnType<typeof appviewLayer>>, never>
}

// One service graph per `env` (per isolate in practice), never per request. The XRPC handler and the
// cron/queue runtime share one memo map, so they share the same layer instances (caches, clients).
const runtimes = new WeakMap<Env, AppviewRuntime>()
const runtimeFor = (env: Env): AppviewRuntime => {
  let built = runtimes.get(env)
  if (!built) {
    const memoMap = Effect.runSync(Layer.makeMemoMap)
    const services = appviewLayer(env)
    built = { xrpc: makeXrpcHandler(services, memoMap), runtime: ManagedRuntime.make(services, memoMap) }
    runtimes.set(env, built)
  }
  return built
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("appview", env, appviewBindings)
    return runtimeFor(env).xrpc.handle(request)
  },

  async scheduled(controller, env, ctx) {
    const job = cronJobOf(controller.cron)
    const { runtime } = runtimeFor(env)
    switch (job) {
      case "expire-holds":
        ctx.waitUntil(runtime.runPromise(Effect.asVoid(expirySweep)))
        return
      // refresh-oauth lands with the connectors issue (#6), reindex-drift with ingest (#5).
      default:
        console.warn(JSON.stringify({ message: "no job runs on this cron yet", cron: controller.cron, job }))
    }
  }
} satisfies ExportedHandler<Env>
