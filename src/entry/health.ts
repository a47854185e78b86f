import type { Env } from "../platform/CloudflareEnv"
import type { ObjectNamespace } from "../platform/env"

/** What a binding looks like from /healthz: probed (`ok`), present but not probe-able without side effects (`bound`), or broken. */
export type BindingStatus = "ok" | "bound" | "missing" | `error: ${string}`

/** Durable Object classes answer `health()` over RPC, so a probe proves the class is deployed and reachable. */
export interface HealthProbe {
  health(): Promise<{ readonly object: string; readonly ok: true }>
}

/** One binding's check. The binding is typed as bound, yet a worker deployed without it has none: that is `missing`. */
export type BindingProbe = () => Promise<BindingStatus>

const probeOf = <B>(binding: B | undefined, check: (binding: B) => Promise<BindingStatus>): BindingProbe => () =>
  binding === undefined || binding === null ? Promise.resolve("missing") : check(binding)

export const d1 = (db: D1Database | undefined) =>
  probeOf(db, async (db) => {
    await db.prepare("SELECT 1 AS one").first()
    return "ok"
  })
export const kv = (namespace: KVNamespace | undefined) =>
  probeOf(namespace, async (kv) => {
    await kv.get("healthz:probe")
    return "ok"
  })
export const r2 = (bucket: R2Bucket | undefined) =>
  probeOf(bucket, async (r2) => {
    await r2.head("healthz/probe")
    return "ok"
  })
export const durableObject = (namespace: ObjectNamespace | undefined) =>
  probeOf(namespace, async (ns) => {
    await ns.get(ns.idFromName("healthz")).health()
    return "ok"
  })
// Sending a message, a data point or an e-mail to prove reachability would have side effects.
export const queue = (producer: Queue | undefined) => probeOf(producer, async (q) => (typeof q.send === "function" ? "bound" : "missing"))
export const analytics = (dataset: AnalyticsEngineDataset | undefined) =>
  probeOf(dataset, async (a) => (typeof a.writeDataPoint === "function" ? "bound" : "missing"))
export const email = (sender: SendEmail | undefined) => probeOf(sender, async (e) => (typeof e.send === "function" ? "bound" : "missing"))

/** The probes of the bindings one worker declares (src/entry/bindings.ts), by binding name. */
export type BindingProbes = (env: Env) => Readonly<Record<string, BindingProbe>>

/** Probes every binding a worker declares; the worker is healthy when none is missing or failing. */
export const checkHealth = async (worker: string, env: Env, probesOf: BindingProbes): Promise<Response> => {
  const entries = await Promise.all(
    Object.entries(probesOf(env)).map(async ([name, probe]) => {
      const status = await probe().catch(
        (error: unknown): BindingStatus => `error: ${error instanceof Error ? error.message : String(error)}`
      )
      return [name, status] as const
    })
  )
  const bindings = Object.fromEntries(entries)
  const ok = entries.every(([, status]) => status === "ok" || status === "bound")
  return Response.json({ worker, ok, environment: env.ENVIRONMENT, bindings }, { status: ok ? 200 : 503 })
}
