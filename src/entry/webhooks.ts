import { routeCalendarPush } from "../features/push/routes"
import type { Env } from "../platform/CloudflareEnv"
import { pushDeps } from "./pushGraph"
import { webhooksBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("webhooks", env, webhooksBindings)
    // Google channel notifications and Microsoft Graph subscription notifications (and validation).
    const pushed = await routeCalendarPush(request, pushDeps(env))
    return pushed ?? xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
