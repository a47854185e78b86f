import type { Env } from "../layers/CloudflareEnv"
import { notifyBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("notify", env, notifyBindings)
    return xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
