/**
 * Starts the bench worker (bench/workers/) in workerd with wrangler's `unstable_dev`, with a fresh local D1
 * (the repository's migrations applied) and fresh Durable Object storage in a temporary directory.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { unstable_dev, unstable_splitSqlQuery } from "wrangler"

export interface BenchWorker {
  readonly post: <A = unknown>(route: string, body: unknown) => Promise<A>
  readonly stop: () => Promise<void>
}

export const startBenchWorker = async (): Promise<BenchWorker> => {
  const state = mkdtempSync(path.join(process.env.OVERLAP_BENCH_STATE_DIR ?? os.tmpdir(), "overlap-bench-"))
  const worker = await unstable_dev("bench/workers/holdsBenchWorker.ts", {
    config: "bench/workers/wrangler.holds.toml",
    persistTo: state,
    logLevel: "error",
    ip: "127.0.0.1",
    experimental: { disableExperimentalWarning: true, disableDevRegistry: true, testMode: true }
  })
  const post = async <A>(route: string, body: unknown): Promise<A> => {
    const response = await worker.fetch(`http://127.0.0.1${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`)
    return (await response.json()) as A
  }
  const statements = readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => unstable_splitSqlQuery(readFileSync(path.join("migrations", f), "utf8")))
  await post("/setup", { statements })
  return {
    post,
    stop: async () => {
      await worker.stop()
      rmSync(state, { recursive: true, force: true })
    }
  }
}
