import type { Env } from "../layers/CloudflareEnv"
import { webhooksBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("webhooks", env, webhooksBindings)
    return xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
