// Starts and stops the whole local system the way `npm run dev` does (scripts/dev.mjs in its own process group),
// for the end-to-end test and the load bench. The ports are dev.mjs' defaults: `wrangler dev --var` reaches only
// the first config (the AppView), so the firehose worker keeps the PLC and PDS addresses of wrangler.firehose.toml.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import net from "node:net"
import path from "node:path"
import { sleep } from "./overlapClient.mjs"

/** The checkout this file belongs to: the nearest folder up with wrangler.toml (benches run it bundled elsewhere). */
const findRoot = (from) => {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "wrangler.toml")) && existsSync(path.join(dir, "scripts", "dev.mjs"))) return dir
    if (path.dirname(dir) === dir) return process.cwd()
  }
}
const root = findRoot(import.meta.dirname)

export const DEV_PORTS = { plc: 2582, pds: 2583, graph: 2584, chat: 2585, receiver: 8791, wrangler: 8786 }
export const WORKER_PORTS = [8785, 8787, 8788, 8789, 8790]
export const devUrls = {
  /** The web app; browsed at 127.0.0.1 (atproto loopback OAuth) */
  webUrl: "http://127.0.0.1:8785",
  appviewUrl: "http://localhost:8787",
  firehoseUrl: "http://localhost:8788",
  pdsUrl: `http://localhost:${DEV_PORTS.pds}`,
  receiverUrl: `http://127.0.0.1:${DEV_PORTS.receiver}`,
  /** The Bluesky chat stand-in (scripts/chatStandIn.mjs): DMs the notify worker sent, GET /messages */
  chatUrl: `http://127.0.0.1:${DEV_PORTS.chat}`,
  /** wrangler dev's own port (its ProxyWorker, the AppView first): /cdn-cgi/handler/scheduled runs a cron */
  wranglerUrl: `http://127.0.0.1:${DEV_PORTS.wrangler}`
}
export const allDevPorts = () => [...WORKER_PORTS, ...Object.values(DEV_PORTS)]

export const portInUse = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("error", () => resolve(false))
  })

/**
 * Runs scripts/dev.mjs and waits for "ready". `vars` become environment variables of dev.mjs (e.g.
 * OVERLAP_HOLD_TTL_MS). Refuses to start when a port it needs is taken. Returns `stop()` and the output so far.
 */
export const startDevSystem = async ({ vars = {}, readyTimeoutMs = 240_000 } = {}) => {
  for (const port of allDevPorts()) {
    if (await portInUse(port)) throw new Error(`port ${port} is in use: stop \`npm run dev\` (or whatever holds it) first`)
  }
  let output = ""
  const dev = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      OVERLAP_PLC_PORT: String(DEV_PORTS.plc),
      OVERLAP_PDS_PORT: String(DEV_PORTS.pds),
      OVERLAP_GRAPH_PORT: String(DEV_PORTS.graph),
      OVERLAP_CHAT_PORT: String(DEV_PORTS.chat),
      OVERLAP_RECEIVER_PORT: String(DEV_PORTS.receiver),
      OVERLAP_WRANGLER_PORT: String(DEV_PORTS.wrangler),
      ...vars
    }
  })
  dev.stdout.on("data", (chunk) => (output += chunk))
  dev.stderr.on("data", (chunk) => (output += chunk))

  const groupAlive = () => {
    try {
      process.kill(-dev.pid, 0)
      return true
    } catch {
      return false
    }
  }
  const stop = async () => {
    if (dev.pid === undefined) return
    if (dev.exitCode === null && dev.signalCode === null) {
      const exited = new Promise((resolve) => dev.once("exit", resolve))
      dev.kill("SIGINT") // dev.mjs stops wrangler's process group, the PDS/PLC, Radicale and the receiver
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))])
    }
    if (groupAlive()) process.kill(-dev.pid, "SIGKILL") // whatever of dev.mjs' own group is left
    for (let waited = 0; groupAlive() && waited < 10_000; waited += 200) await sleep(200)
    if (groupAlive()) throw new Error("dev.mjs' process group is still there 10 s after SIGKILL")
  }

  const deadline = Date.now() + readyTimeoutMs
  while (!output.includes("ready —")) {
    const problem = dev.exitCode !== null ? `scripts/dev.mjs exited ${dev.exitCode}` : Date.now() > deadline ? `not ready within ${readyTimeoutMs / 1000}s` : undefined
    if (problem !== undefined) {
      await stop()
      throw new Error(`npm run dev: ${problem}\n${output.slice(-3000)}`)
    }
    await sleep(500)
  }
  return { stop, output: () => output }
}
