// Local-dev only: `wrangler dev -c a -c b …` runs all four workers in one runtime (so queues, D1,
// KV, R2 and Durable Objects are shared) but exposes only the first on a port. The others are
// reachable through wrangler's dev registry, which records a socket per worker entrypoint; this
// proxy gives each auxiliary worker its own localhost port by forwarding to that socket.
import { existsSync, readFileSync } from "node:fs"
import http from "node:http"
import os from "node:os"
import path from "node:path"

const registryDirs = () => {
  const home = os.homedir()
  return [
    process.env.WRANGLER_REGISTRY_PATH,
    path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, ".config"), ".wrangler", "registry"),
    path.join(home, ".wrangler", "registry")
  ].filter(Boolean)
}

/** The host/port of a worker's default entrypoint in the dev registry, or undefined while it is not up. */
export const registryAddress = (workerName) => {
  for (const dir of registryDirs()) {
    const file = path.join(dir, workerName)
    if (!existsSync(file)) continue
    try {
      const entry = JSON.parse(readFileSync(file, "utf8"))
      const address = entry.entrypointAddresses?.default
      if (address) return { host: address.host, port: address.port }
    } catch {
      // the registry file is being rewritten; try again on the next poll
    }
  }
  return undefined
}

/** Listens on 127.0.0.1:port and forwards every request to the worker's registry socket (absolute-form target). */
export const startProxy = (workerName, port) =>
  new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const target = registryAddress(workerName)
      if (!target) {
        res.writeHead(503, { "content-type": "application/json" })
        res.end(JSON.stringify({ error: "WorkerStarting", message: `${workerName} is not up yet` }))
        return
      }
      const upstream = http.request(
        { host: target.host, port: target.port, method: req.method, path: `http://localhost:${port}${req.url}`, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        }
      )
      upstream.on("error", (error) => {
        res.writeHead(502, { "content-type": "application/json" })
        res.end(JSON.stringify({ error: "UpstreamUnavailable", message: error.message }))
      })
      req.pipe(upstream)
    })
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })
