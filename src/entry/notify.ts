import { ManagedRuntime } from "effect"
import { parseMaxRetries } from "../domain/notify/retry"
import type { Env } from "../layers/CloudflareEnv"
import { notifyLayer } from "../layers/NotifyLive"
import type { DeadLetters } from "../services/DeadLetters"
import type { Notifier } from "../services/Notifier"
import { notifyBindings } from "./bindings"
import { checkHealth } from "./health"
import { xrpcNotImplemented } from "./notImplemented"
import { processNotifyBatch } from "./notifyConsumer"

// One service graph per `env` (per isolate in practice), never per batch: the DM session and the vault's
// imported keys live as long as the isolate.
const runtimes = new WeakMap<Env, ManagedRuntime.ManagedRuntime<Notifier | DeadLetters, never>>()
const runtimeFor = (env: Env) => {
  let runtime = runtimes.get(env)
  if (!runtime) {
    runtime = ManagedRuntime.make(notifyLayer(env))
    runtimes.set(env, runtime)
  }
  return runtime
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === "/healthz") return checkHealth("notify", env, notifyBindings)
    return xrpcNotImplemented(url)
  },

  async queue(batch, env) {
    await runtimeFor(env).runPromise(processNotifyBatch(batch, { maxRetries: parseMaxRetries(env.NOTIFY_MAX_RETRIES) }))
  }
} satisfies ExportedHandler<Env>
