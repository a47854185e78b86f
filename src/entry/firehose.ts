import { Effect, Either } from "effect"
import { TAP_SOURCE, handleTapWebhook } from "../features/ingest/tapWebhook"
import { type IngestSource, sourcesOf } from "../domain/ingest/sources"
import type { Env } from "../platform/CloudflareEnv"
import { isolateRuntimes } from "../platform/isolateRuntime"
import { firehoseBindings } from "./bindings"
import { firehoseLayer, type FirehoseServices } from "./firehoseGraph"
import { checkHealth } from "./health"
import { refuseNonOperator } from "../platform/operatorAuth"
import { xrpcNotImplemented } from "./notImplemented"
import type { FirehoseStatus } from "./objects/FirehoseDO"

export { FirehoseDO } from "./objects/FirehoseDO"

const runtimeFor = isolateRuntimes<FirehoseServices, never>(firehoseLayer)

const firehoseObject = (env: Env, source: IngestSource) => env.FIREHOSE.get(env.FIREHOSE.idFromName(source.id))

/** Starts (or confirms) one FirehoseDO per configured source. */
export const ensureSources = async (env: Env): Promise<ReadonlyArray<FirehoseStatus>> => {
  const sources = sourcesOf(env)
  if (Either.isLeft(sources)) {
    await runtimeFor(env).runPromise(Effect.logError("firehose sources misconfigured").pipe(Effect.annotateLogs({ error: sources.left.message })))
    return []
  }
  return Promise.all(sources.right.map((source) => firehoseObject(env, source).ensureRunning(source)))
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    switch (url.pathname) {
      case "/healthz":
        return checkHealth("firehose", env, firehoseBindings)
      case "/tap/webhook":
        return runtimeFor(env).runPromise(handleTapWebhook(request).pipe(Effect.annotateLogs({ source: TAP_SOURCE })))
      // Idempotent: what the cron does, on demand (npm run dev calls it once the workers are up). Operators only:
      // it starts ingest and shows sources, cursors and counters.
      case "/firehose/ensure": {
        if (request.method !== "POST") return Response.json({ error: "MethodNotAllowed", message: "POST only" }, { status: 405 })
        const refused = await refuseNonOperator(request, env)
        if (refused !== undefined) return refused
        return Response.json({ sources: await ensureSources(env) })
      }
      default:
        return xrpcNotImplemented(url)
    }
  },

  // Backstop for the FirehoseDO alarms: every source is (re)started if its object lost its socket and alarm.
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(ensureSources(env))
  }
} satisfies ExportedHandler<Env>
