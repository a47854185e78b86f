import { makeXrpcHandler, type XrpcHandler } from "../api/xrpcHandler"
import type { Env } from "../layers/CloudflareEnv"
import { appviewLayer } from "./appviewGraph"
import { appviewBindings } from "./bindings"
import { checkHealth } from "./health"

export { BookingDO } from "./objects/BookingDO"
export { HostMatchDO } from "./objects/HostMatchDO"
export { RateLimiterDO } from "./objects/RateLimiterDO"
export { UserConnectorDO } from "./objects/UserConnectorDO"

// One service graph per `env` (per isolate in practice), never per request.
const handlers = new WeakMap<Env, XrpcHandler>()
const xrpcFor = (env: Env): XrpcHandler => {
  let handler = handlers.get(env)
  if (!handler) {
    handler = makeXrpcHandler(appviewLayer(env))
    handlers.set(env, handler)
  }
  return handler
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("appview", env, appviewBindings)
    return xrpcFor(env).handle(request)
  }
} satisfies ExportedHandler<Env>
