import type { Env } from "../layers/CloudflareEnv"
import { appviewBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

export { BookingDO } from "./objects/BookingDO"
export { HostMatchDO } from "./objects/HostMatchDO"
export { RateLimiterDO } from "./objects/RateLimiterDO"
export { UserConnectorDO } from "./objects/UserConnectorDO"

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("appview", env, appviewBindings)
    return xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
