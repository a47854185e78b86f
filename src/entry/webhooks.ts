import { routeCalendarPush } from "../features/push/routes"
import type { Env } from "../platform/CloudflareEnv"
import { perEnv } from "../platform/isolateRuntime"
import { pushDeps } from "./pushGraph"
import { webhooksBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

// The push handlers' clients over the bindings, made once per `env`.
const depsFor = perEnv(pushDeps)

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("webhooks", env, webhooksBindings)
    // Google channel notifications and Microsoft Graph subscription notifications (and validation).
    const pushed = await routeCalendarPush(request, depsFor(env))
    return pushed ?? xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
