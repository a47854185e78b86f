import { Effect, Layer } from "effect"
import { WorkerHealth, type WorkerHealthReport } from "../../services/WorkerHealth"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** The other workers' origins in local development (scripts/workers.mjs). */
const DEVELOPMENT_ORIGINS: Readonly<Record<string, string>> = {
  firehose: "http://localhost:8788",
  notify: "http://localhost:8789",
  webhooks: "http://localhost:8790"
}
const TIMEOUT_MS = 5_000

/** WORKER_HEALTH_URLS (`{ "<worker>": "<origin>" }`), else the local ports in development, else none. */
export const healthOrigins = (raw: string | undefined, environment: string): Readonly<Record<string, string>> => {
  if (raw !== undefined && raw.trim() !== "") {
    try {
      const parsed = JSON.parse(raw) as unknown
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string" && /^https?:\/\//.test(entry[1])))
      }
    } catch {
      return {}
    }
  }
  return environment === "development" ? DEVELOPMENT_ORIGINS : {}
}

const toReport = (worker: string, response: Response, body: unknown): WorkerHealthReport => {
  const b = (typeof body === "object" && body !== null ? body : {}) as { ok?: unknown; bindings?: unknown }
  const bindings = typeof b.bindings === "object" && b.bindings !== null
    ? Object.fromEntries(Object.entries(b.bindings).map(([k, v]) => [k, String(v)]))
    : {}
  return { worker, ok: response.status === 200 && b.ok === true, status: response.status, bindings }
}

/**
 * `WorkerHealth`: this worker's own probes (`self`, passed by the entry, which owns them) and a GET of each other
 * worker's /healthz (5 s each, in parallel).
 */
export const WorkerHealthLive = (self: () => Promise<Response>): Layer.Layer<WorkerHealth, never, CloudflareEnv> =>
  Layer.effect(
    WorkerHealth,
    Effect.map(CloudflareEnv, (env) => {
      const ask = (worker: string, answer: (signal: AbortSignal) => Promise<Response>) =>
        Effect.tryPromise({
          try: async (signal) => {
            const response = await answer(AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]))
            const body = await response.json().catch(() => undefined)
            return toReport(worker, response, body)
          },
          catch: (error) => error
        }).pipe(Effect.catchAll((error) => Effect.succeed<WorkerHealthReport>({
          worker,
          ok: false,
          status: 0,
          bindings: {},
          error: error instanceof Error ? error.message : String(error)
        })))
      return WorkerHealth.of({
        all: () =>
          Effect.all([
            ask("appview", () => self()),
            ...Object.entries(healthOrigins(env.WORKER_HEALTH_URLS, env.ENVIRONMENT)).map(([worker, origin]) =>
              ask(worker, (signal) => fetch(`${origin.replace(/\/+$/, "")}/healthz`, { signal })))
          ], { concurrency: "unbounded" })
      })
    })
  )
