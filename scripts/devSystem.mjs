// Starts and stops the whole local system the way `npm run dev` does (scripts/dev.mjs in its own process group),
// for the end-to-end test and the load bench. The ports are dev.mjs' defaults: `wrangler dev --var` reaches only
// the first config (the AppView), so the firehose worker keeps the PLC and PDS addresses of wrangler.firehose.toml.
import { spawn } from "node:child_process"
import net from "node:net"
import path from "node:path"
import { waitFor } from "./overlapClient.mjs"

const root = path.resolve(import.meta.dirname, "..")

export const DEV_PORTS = { plc: 2582, pds: 2583, graph: 2584, receiver: 8791 }
export const WORKER_PORTS = [8787, 8788, 8789, 8790]
export const devUrls = {
  appviewUrl: "http://localhost:8787",
  firehoseUrl: "http://localhost:8788",
  pdsUrl: `http://localhost:${DEV_PORTS.pds}`,
  receiverUrl: `http://127.0.0.1:${DEV_PORTS.receiver}`
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
      OVERLAP_RECEIVER_PORT: String(DEV_PORTS.receiver),
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
    await waitFor("dev.mjs' process group to be gone", async () => !groupAlive(), { timeoutMs: 10_000, intervalMs: 200 })
  }

  try {
    await waitFor("npm run dev to say ready", async () => {
      if (dev.exitCode !== null) throw new Error(`scripts/dev.mjs exited ${dev.exitCode}:\n${output}`)
      return output.includes("ready —")
    }, { timeoutMs: readyTimeoutMs, intervalMs: 500 })
  } catch (error) {
    await stop()
    throw new Error(`${error.message}\n${output.slice(-3000)}`)
  }
  return { stop, output: () => output }
}
