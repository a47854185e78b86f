import type { Env } from "../layers/CloudflareEnv"
import { firehoseBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"

export { FirehoseDO } from "./objects/FirehoseDO"

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("firehose", env, firehoseBindings)
    return xrpcNotImplemented(url)
  }
} satisfies ExportedHandler<Env>
