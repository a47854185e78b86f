// npm run dev: the whole Overlap system on one machine, on embedded defaults.
//   1. applies the D1 migrations to the local database (.wrangler/state)
//   2. starts a local atproto network: an in-memory PLC directory and a real PDS on 127.0.0.1
//   3. runs all four workers together under `wrangler dev` with local bindings
//   4. gives each worker its own port, the AppView's 8787 included (scripts/devProxy.mjs)
// Ctrl-C stops everything it started.
import { spawn, spawnSync } from "node:child_process"
import path from "node:path"
import { registryAddress, startProxy } from "./devProxy.mjs"
import { makeEmailPrinter, startWebhookReceiver } from "./devReceiver.mjs"
import { startLocalGraph } from "./localGraph.mjs"
import { radicaleInstalled, startRadicale } from "./localRadicale.mjs"
import { startLocalAtproto } from "./localAtproto.mjs"
import { startChatStandIn, writeDevNotifyConfig } from "./chatStandIn.mjs"
import { startLocalTurnstile, TURNSTILE_TEST_SECRET } from "./localTurnstile.mjs"
import { ensureWebBuild, webWorkerConfig } from "./webBuild.mjs"
import { WEB_PORT, webWorker, workers } from "./workers.mjs"

/** Demo host and guest on the local PDS: an offer for tomorrow and a request for it, both as records. */
const seedDemoAccounts = async (atproto) => {
  const host = await atproto.createAccount("demo-host")
  const guest = await atproto.createAccount("demo-guest")
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  const offer = await host.agent.com.atproto.repo.createRecord({
    repo: host.did,
    collection: "app.overlap.slotOffer",
    record: {
      $type: "app.overlap.slotOffer",
      start: `${day}T08:00:00.000Z`,
      end: `${day}T16:00:00.000Z`,
      policy: "anyone",
      tz: "Europe/Berlin",
      note: "Demo office hours",
      createdAt: new Date().toISOString()
    }
  })
  await guest.agent.com.atproto.repo.createRecord({
    repo: guest.did,
    collection: "app.overlap.bookingRequest",
    record: {
      $type: "app.overlap.bookingRequest",
      hostDid: host.did,
      offerUri: offer.data.uri,
      constraints: { durationMin: 30, durationMax: 30, tz: "Europe/Berlin" },
      status: "pending",
      createdAt: new Date().toISOString()
    }
  })
  return [
    { role: "host", handle: host.handle, did: host.did },
    { role: "guest", handle: guest.handle, did: guest.did }
  ]
}

const root = path.resolve(import.meta.dirname, "..")
const wrangler = path.join(root, "node_modules", ".bin", "wrangler")
const PLC_PORT = Number(process.env.OVERLAP_PLC_PORT ?? 2582)
const PDS_PORT = Number(process.env.OVERLAP_PDS_PORT ?? 2583)
const RECEIVER_PORT = Number(process.env.OVERLAP_RECEIVER_PORT ?? 8791)
const GRAPH_PORT = Number(process.env.OVERLAP_GRAPH_PORT ?? 2584)
const CHAT_PORT = Number(process.env.OVERLAP_CHAT_PORT ?? 2585)
// wrangler dev's own port: its ProxyWorker in front of the AppView. Clients use the AppView's port (8787), which
// scripts/devProxy.mjs serves straight from the AppView's socket in the dev registry.
const WRANGLER_PORT = Number(process.env.OVERLAP_WRANGLER_PORT ?? 8786)
// a shorter hold lifetime than the 15 min default (ms), e.g. for the end-to-end test's expiry check
const HOLD_TTL_MS = process.env.OVERLAP_HOLD_TTL_MS
// rate limits other than wrangler.toml's RATE_LIMITS (JSON, the same shape), e.g. for the browser tests
const RATE_LIMITS = process.env.OVERLAP_RATE_LIMITS
// A dev registry of this checkout's own: other wrangler processes on the machine (another checkout's dev, a test
// pool, a bench) that register workers under the same names would otherwise rewire ours and restart its runtime
// mid-request. scripts/devProxy.mjs reads the same path.
process.env.WRANGLER_REGISTRY_PATH ??= path.join(root, ".wrangler", "registry")
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }
const line = (part, where) => console.log(`  ${part.padEnd(22)} ${where}`)

const stoppers = []
let stopping = false
const stop = async (code) => {
  if (stopping) return
  stopping = true
  console.log("\nstopping…")
  for (const s of stoppers.reverse()) await s().catch((error) => console.error(String(error)))
  process.exit(code)
}
process.on("SIGINT", () => stop(0))
process.on("SIGTERM", () => stop(0))

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"], {
  cwd: root,
  encoding: "utf8",
  env: quietEnv
})
if (migrate.status !== 0) {
  console.error(migrate.stdout, migrate.stderr)
  process.exit(1)
}

console.log("Overlap — local system")
line("D1 migrations", "applied to .wrangler/state")

const atproto = await startLocalAtproto({ plcPort: PLC_PORT, pdsPort: PDS_PORT })
stoppers.push(() => atproto.close())
line("PLC directory", atproto.plcUrl)
line("PDS", atproto.pdsUrl)

// Policy tiers read app.bsky.graph.getRelationships; local accounts exist only on the local PDS, so the
// AppView asks a local stand-in that answers from the follow / block records there (scripts/localGraph.mjs).
const graph = await startLocalGraph(GRAPH_PORT, atproto.readRecords)
stoppers.push(() => new Promise((resolve) => graph.close(() => resolve())))
const graphUrl = `http://127.0.0.1:${graph.address().port}`
line("social graph", `${graphUrl}  (follows and blocks from the local PDS)`)

// Bluesky DMs (docs/notifications.md): a stand-in for the chat service the local PDS proxies chat.bsky.* to, and a
// sender account there; the notify worker gets them through its own config copy (--var reaches only the AppView)
const chat = await startChatStandIn({ port: CHAT_PORT, plcUrl: atproto.plcUrl })
stoppers.push(() => chat.close())
const dmSender = await atproto.createAccount("overlap-notify")
const notifyConfig = await writeDevNotifyConfig(root, { did: dmSender.did, pds: atproto.pdsUrl, password: atproto.accountPassword, proxy: chat.proxy })
line("chat (Bluesky DMs)", `${chat.url}  from ${dmSender.handle}; sent DMs: GET /messages`)

// A real CalDAV server when radicale is installed (connect it with app.overlap.connector.start);
// otherwise every user's calendar is the local calendar in D1.
if (radicaleInstalled()) {
  const radicale = await startRadicale({ username: "demo", password: "demo-app-password" })
  stoppers.push(() => radicale.stop())
  line("CalDAV (Radicale)", `${radicale.url}  user "demo", app password "demo-app-password"`)
} else {
  line("CalDAV", "radicale not installed: the local calendar (D1) is the calendar")
}

// the e-mails wrangler dev saved (printed below as they are sent), also served at the receiver's GET /emails
const sentEmails = []
const receiver = await startWebhookReceiver(RECEIVER_PORT, console.log, sentEmails)
stoppers.push(() => new Promise((resolve) => receiver.close(() => resolve())))
line("webhook receiver", `http://127.0.0.1:${RECEIVER_PORT}  (deliveries and e-mails printed here; GET /deliveries, GET /emails)`)

// the web app (web/): built with Vite, then one more `-c` (after the AppView, which must stay first: `--var` reaches
// only the first config); it reaches the AppView by service binding and gets its own port below
line("web app", ensureWebBuild() ? "built (web/build)" : "build is current (web/build)")
// anonymous visitors pass Turnstile: the AppView asks a local siteverify that answers as Cloudflare's test keys do
const turnstile = await startLocalTurnstile()
stoppers.push(() => new Promise((resolve) => turnstile.server.close(() => resolve())))

const dev = spawn(
  wrangler,
  [
    "dev",
    ...workers.flatMap((w) => ["-c", w.id === "notify" ? notifyConfig : w.config]),
    "-c",
    webWorkerConfig,
    "--port",
    String(WRANGLER_PORT),
    "--ip",
    "127.0.0.1",
    "--var",
    `PLC_URL:${atproto.plcUrl}`,
    "--var",
    `BSKY_APPVIEW_URL:${graphUrl}`,
    ...(HOLD_TTL_MS ? ["--var", `HOLD_TTL_MS:${HOLD_TTL_MS}`] : []),
    ...(RATE_LIMITS ? ["--var", `RATE_LIMITS:${RATE_LIMITS}`] : []),
    "--var",
    `TURNSTILE_SECRET:${TURNSTILE_TEST_SECRET}`,
    "--var",
    `TURNSTILE_SITEVERIFY_URL:${turnstile.url}`,
    "--var",
    `FIREHOSE_SOURCES:${JSON.stringify([{ id: "local-pds", kind: "firehose", url: `ws://127.0.0.1:${PDS_PORT}/xrpc/com.atproto.sync.subscribeRepos` }])}`,
    "--show-interactive-dev-session=false"
  ],
  { cwd: root, env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true }
)
// wrangler runs in its own process group (detached) with its workerd children: SIGTERM the group, and once
// wrangler has exited (or after 5 s) SIGKILL whatever of the group is left, so nothing outlives Ctrl-C.
const killGroup = (signal) => {
  try {
    process.kill(-dev.pid, signal)
  } catch {}
}
stoppers.push(
  () =>
    new Promise((resolve) => {
      const finish = () => setTimeout(() => (killGroup("SIGKILL"), resolve()), 300)
      if (dev.exitCode !== null || dev.signalCode !== null) return finish()
      const timer = setTimeout(finish, 5_000)
      dev.once("exit", () => (clearTimeout(timer), finish()))
      killGroup("SIGTERM")
    })
)
const verbose = process.env.OVERLAP_DEV_VERBOSE === "1"
const printEmails = makeEmailPrinter(console.log, sentEmails)
dev.stdout.on("data", (chunk) => {
  printEmails(chunk.toString())
  if (verbose) process.stdout.write(chunk)
})
dev.stderr.on("data", (chunk) => verbose && process.stderr.write(chunk))
dev.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code}); rerun with OVERLAP_DEV_VERBOSE=1 to see its output`)
    stop(1)
  }
})

const waitFor = async (what, probe, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`)
}

try {
  for (const worker of workers) {
    await waitFor(`${worker.name} in the dev registry`, async () => registryAddress(worker.name) !== undefined)
    const server = await startProxy(worker.name, worker.port)
    stoppers.push(() => new Promise((resolve) => server.close(() => resolve())))
  }
  for (const worker of workers) {
    await waitFor(`${worker.id} /healthz`, async () => (await fetch(`http://127.0.0.1:${worker.port}/healthz`)).ok)
    line(`worker ${worker.id}`, `http://localhost:${worker.port}  (/healthz)`)
  }
  await waitFor(`${webWorker.name} in the dev registry`, async () => registryAddress(webWorker.name) !== undefined)
  const webServer = await startProxy(webWorker.name, WEB_PORT)
  stoppers.push(() => new Promise((resolve) => webServer.close(() => resolve())))
  await waitFor("web /healthz", async () => (await fetch(`http://127.0.0.1:${WEB_PORT}/healthz`)).ok)
  // the firehose worker subscribes to the local PDS (its cron would too, within 5 minutes), then demo accounts
  // write records that it indexes
  const firehose = workers.find((w) => w.id === "firehose")
  const ensureFirehose = () => fetch(`http://127.0.0.1:${firehose.port}/firehose/ensure`, { method: "POST" }).then((r) => r.arrayBuffer())
  await ensureFirehose()
  line("firehose", `subscribed to ${atproto.pdsUrl}`)
  // wrangler dev triggers no crons, and a reload after an edit drops the socket: do what the firehose worker's
  // cron does (ensure every source runs), every 30 s, so ingest comes back on its own
  const keepIngesting = setInterval(() => ensureFirehose().catch(() => {}), 30_000)
  stoppers.push(async () => clearInterval(keepIngesting))
  for (const account of await seedDemoAccounts(atproto)) line(`demo ${account.role}`, `${account.handle} (${account.did}), password "password"`)
  // atproto's loopback OAuth client needs 127.0.0.1 (not localhost) in the browser's address bar
  console.log(`\nopen http://127.0.0.1:${WEB_PORT}/ in a browser (the web app; sign in as demo-host.test / demo-guest.test)`)
  console.log("\nready — Ctrl-C stops everything")
} catch (error) {
  console.error(String(error))
  await stop(1)
}
