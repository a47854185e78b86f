import { build } from "esbuild"
import { randomUUID } from "node:crypto"
import { rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"

/**
 * Runs synchronous code that may never return (a hostile input against code that loops) where a test can still
 * fail: the module is bundled for Node and each call runs in a worker thread, terminated when it does not answer
 * in time. Vitest's own timeout cannot interrupt a synchronous loop; the test would hang instead of failing.
 */
export interface IsolatedModule {
  /** Calls the module's export `name` with structured-clonable `args`; rejects after `timeoutMs`. */
  readonly call: <A>(name: string, args: ReadonlyArray<unknown>, timeoutMs: number) => Promise<A>
  readonly dispose: () => Promise<void>
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads")
import(workerData.url)
  .then((module) => module[workerData.name](...workerData.args))
  .then((value) => parentPort.postMessage({ ok: true, value }), (error) => parentPort.postMessage({ ok: false, error: String(error && error.stack || error) }))
`

export const isolatedModule = async (entry: string): Promise<IsolatedModule> => {
  const file = path.join(tmpdir(), `overlap-isolated-${randomUUID()}.mjs`)
  const bundled = await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", write: false, logLevel: "silent" })
  await writeFile(file, bundled.outputFiles[0]!.contents)
  const url = pathToFileURL(file).href
  return {
    call: <A>(name: string, args: ReadonlyArray<unknown>, timeoutMs: number) =>
      new Promise<A>((resolve, reject) => {
        const worker = new Worker(WORKER, { eval: true, workerData: { url, name, args } })
        const timer = setTimeout(() => {
          void worker.terminate()
          reject(new Error(`${name} did not finish within ${timeoutMs} ms`))
        }, timeoutMs)
        worker.once("message", (message: { ok: boolean; value?: A; error?: string }) => {
          clearTimeout(timer)
          void worker.terminate()
          if (message.ok) resolve(message.value as A)
          else reject(new Error(message.error))
        })
        worker.once("error", (error) => {
          clearTimeout(timer)
          reject(error)
        })
      }),
    dispose: () => rm(file, { force: true })
  }
}
