// Local-dev only: `wrangler dev -c a -c b …` runs all four workers in one runtime (so queues, D1,
// KV, R2 and Durable Objects are shared) but exposes only the first on a port, through wrangler's own
// ProxyWorker. Every worker is also reachable through wrangler's dev registry, which records a socket per
// worker entrypoint; this proxy gives each worker — the AppView too — its own localhost port by
// forwarding to that socket, so clients never pass through the ProxyWorker (under a burst it answered
// 503 "Your worker restarted mid-request" and dropped connections).
//
// What a client can rely on:
// - Connections to the proxy stay open while idle for KEEP_ALIVE_MS (and the Keep-Alive header says so),
//   so a client that reuses a pooled connection does not race an early server-side close.
// - Requests go upstream over a keep-alive pool of at most MAX_SOCKETS connections; more wait in the
//   proxy, first come first served. Idle pool connections are dropped after UPSTREAM_IDLE_MS, before
//   workerd closes them (it closes an idle connection 5 s after the last response).
// - Every request gets an answer or a closed socket: if the upstream connection fails before any response
//   (a pooled connection closed under us, or the worker being reloaded under new ports), the request is sent
//   again — the request body is buffered for that — re-reading the registry; only when that keeps failing
//   does the client get a 502. An upstream failure after the response headers destroys the client's socket.
import { existsSync, readFileSync } from "node:fs"
import http from "node:http"
import os from "node:os"
import path from "node:path"
import { pipeline } from "node:stream"

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

const envNumber = (name, fallback) => {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}
/** Upstream connections per worker; requests beyond this wait in the proxy for a free one. */
export const MAX_SOCKETS = envNumber("OVERLAP_PROXY_MAX_SOCKETS", 128)
/** Idle upstream connections are closed after this, safely before workerd's own 5 s idle close. */
const UPSTREAM_IDLE_MS = 3_000
/** How long an idle client connection to the proxy stays open. */
const KEEP_ALIVE_MS = 65_000
/** How long a request waits for the worker to be reachable again (e.g. while wrangler reloads it). */
const UNREACHABLE_FOR_MS = 10_000
const REGISTRY_TTL_MS = 1_000
// hop-by-hop headers are about one connection, not the request: never forwarded
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"])
const endToEnd = (headers, alsoDrop = []) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !alsoDrop.includes(name)))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Reads the whole request body (requests to these workers are small JSON or form posts), so it can be sent twice. */
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = []
    req.on("data", (chunk) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/**
 * Listens on 127.0.0.1:port and forwards every request to the worker's registry socket (absolute-form target, as
 * that socket expects), setting CF-Connecting-IP from the client's address as Cloudflare's edge (and wrangler's
 * entry worker) does.
 */
export const startProxy = (workerName, port) =>
  new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_SOCKETS, timeout: UPSTREAM_IDLE_MS, scheduling: "lifo" })
    let cached // { address, at }
    const target = (fresh) => {
      if (fresh || !cached || Date.now() - cached.at > REGISTRY_TTL_MS) cached = { address: registryAddress(workerName), at: Date.now() }
      return cached.address
    }

    /** One attempt: resolves "done" once the exchange is over, or { error, reused } when the upstream failed before answering. */
    const attempt = (req, res, body, address) =>
      new Promise((settle) => {
        // the proxy has read the body already (and answered any Expect: 100-continue itself)
        const headers = endToEnd(req.headers, ["expect", "content-length"])
        headers["cf-connecting-ip"] = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "")
        if (body.length > 0 || !["GET", "HEAD"].includes(req.method)) headers["content-length"] = String(body.length)
        const upstream = http.request({
          agent,
          host: address.host,
          port: address.port,
          method: req.method,
          path: `http://localhost:${port}${req.url}`,
          headers
        })
        let answered = false
        upstream.on("response", (up) => {
          answered = true
          res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.headers))
          pipeline(up, res, () => settle("done")) // an error mid-body destroys both sides: the client sees a cut-off response, not a hang
        })
        upstream.on("error", (error) => {
          if (answered) return // pipeline has it
          settle({ error, reused: upstream.reusedSocket })
        })
        // a client that goes away cancels its upstream request
        res.on("close", () => {
          if (!res.writableFinished) upstream.destroy()
        })
        upstream.end(body)
      })

    const server = http.createServer(async (req, res) => {
      let body
      try {
        body = await readBody(req)
      } catch {
        return res.destroy()
      }
      const deadline = Date.now() + UNREACHABLE_FOR_MS
      let lastError = `${workerName} is not up yet`
      for (let tries = 0; ; tries++) {
        if (res.destroyed) return
        const address = target(tries > 0)
        if (address) {
          const outcome = await attempt(req, res, body, address)
          if (outcome === "done") return
          lastError = outcome.error.message
          // a pooled connection that workerd closed as we sent on it (the keep-alive race): send again at once
          if (outcome.reused && tries < 3) continue
          // anything but "nobody listens there" (a reload moves the worker to new ports) is the worker's failure
          if (outcome.error.code !== "ECONNREFUSED") break
        }
        if (Date.now() > deadline || res.destroyed) break
        await sleep(250) // not up, or up under new ports (a reload): re-read the registry and try again
      }
      if (res.headersSent) return res.destroy()
      res.writeHead(502, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: "UpstreamUnavailable", message: `${workerName}: ${lastError}` }))
    })
    server.keepAliveTimeout = KEEP_ALIVE_MS
    server.headersTimeout = KEEP_ALIVE_MS + 5_000
    server.requestTimeout = 0 // a slow answer is the worker's business; the client decides when to give up
    server.once("error", reject)
    server.listen({ port, host: "127.0.0.1", backlog: 4096 }, () => {
      server.off("error", reject)
      const close = server.close.bind(server)
      server.close = (callback) => {
        server.closeAllConnections?.()
        agent.destroy()
        return close(callback)
      }
      resolve(server)
    })
  })
