import type { Env } from "../platform/CloudflareEnv"

/** What a binding looks like from /healthz: probed (`ok`), present but not probe-able without side effects (`bound`), or broken. */
export type BindingStatus = "ok" | "bound" | "missing" | `error: ${string}`

export type BindingKind = "d1" | "kv" | "r2" | "queue" | "analytics" | "durable-object" | "email"

export type BindingSpec = Readonly<Record<string, BindingKind>>

/** Durable Object classes answer `health()` over RPC, so a probe proves the class is deployed and reachable. */
export interface HealthProbe {
  health(): Promise<{ readonly object: string; readonly ok: true }>
}

const probe = async (kind: BindingKind, binding: unknown): Promise<BindingStatus> => {
  if (binding === undefined || binding === null) return "missing"
  switch (kind) {
    case "d1":
      await (binding as D1Database).prepare("SELECT 1 AS one").first()
      return "ok"
    case "kv":
      await (binding as KVNamespace).get("healthz:probe")
      return "ok"
    case "r2":
      await (binding as R2Bucket).head("healthz/probe")
      return "ok"
    case "durable-object": {
      const ns = binding as DurableObjectNamespace
      const stub = ns.get(ns.idFromName("healthz")) as unknown as HealthProbe
      await stub.health()
      return "ok"
    }
    // Sending a message or a data point to prove reachability would have side effects.
    case "queue":
      return typeof (binding as Queue).send === "function" ? "bound" : "missing"
    case "analytics":
      return typeof (binding as AnalyticsEngineDataset).writeDataPoint === "function" ? "bound" : "missing"
    case "email":
      return typeof (binding as SendEmail).send === "function" ? "bound" : "missing"
  }
}

/** Probes every binding a worker declares; the worker is healthy when none is missing or failing. */
export const checkHealth = async (worker: string, env: Env, spec: BindingSpec): Promise<Response> => {
  const entries = await Promise.all(
    Object.entries(spec).map(async ([name, kind]) => {
      const status = await probe(kind, (env as unknown as Record<string, unknown>)[name]).catch(
        (error: unknown): BindingStatus => `error: ${error instanceof Error ? error.message : String(error)}`
      )
      return [name, status] as const
    })
  )
  const bindings = Object.fromEntries(entries)
  const ok = entries.every(([, status]) => status === "ok" || status === "bound")
  return Response.json({ worker, ok, environment: env.ENVIRONMENT, bindings }, { status: ok ? 200 : 503 })
}
