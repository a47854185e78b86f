// A real, local atproto network for tests and `npm run dev`: an in-memory PLC directory
// (@did-plc/server with Database.mock()) and a real @atproto/pds 0.4.x, both bound to 127.0.0.1.
// Nothing here talks to the internet; everything it writes goes to a temp dir removed on close().
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import net from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"
import { pathToFileURL } from "node:url"

const HOST = "127.0.0.1"
const ADMIN_PASSWORD = "admin-pass"
const ACCOUNT_PASSWORD = "password"
const HANDLE_DOMAIN = ".test"

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

/**
 * @param {{ plcPort?: number, pdsPort?: number, dataDir?: string }} [options]
 */
export async function startLocalAtproto(options = {}) {
  // Both servers read LOG_ENABLED when their logger module loads: decide before importing them.
  process.env.LOG_ENABLED ??= "false"
  const plcServer = cjs(await import("@did-plc/server"))
  const pdsModule = cjs(await import("@atproto/pds"))
  const { Secp256k1Keypair } = await import("@atproto/crypto")
  const { AtpAgent } = await import("@atproto/api")

  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "overlap-pds-")))

  /** @type {Array<() => Promise<void>>} teardown steps, run last-in first-out */
  const teardown = []
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
  if (ownsDataDir) teardown.push(() => rm(dataDir, { recursive: true, force: true }))

  try {
    // --- PLC directory, in memory ---
    const plc = plcServer.PlcServer.create({ db: plcServer.Database.mock(), port: options.plcPort ?? 0 })
    bindToLoopback(plc.app)
    const plcListener = await plc.start()
    teardown.push(() => plc.destroy())
    const plcUrl = `http://localhost:${plcListener.address().port}`

    // --- PDS ---
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
    const pds = await pdsModule.PDS.create(pdsModule.envToCfg(env), pdsModule.envToSecrets(env))
    bindToLoopback(pds.app)
    await pds.start()
    teardown.push(() => pds.destroy())
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

    // Every record of a collection, read from the PDS's own store in this process and kept until that repo is
    // written again: each write to a repo (transact, writeNoTransaction, create, destroy) moves the repo's
    // generation before and after it, and a read stores its answer only if no write began or ended meanwhile —
    // so an answer is never older than the last write that returned to its caller.
    const store = pds.ctx.actorStore
    const generations = new Map()
    const records = new Map()
    const bump = (did) => {
      generations.set(did, (generations.get(did) ?? 0) + 1)
      for (const key of records.keys()) if (key.startsWith(`${did} `)) records.delete(key)
    }
    for (const method of ["transact", "writeNoTransaction", "create", "destroy"]) {
      const original = store[method].bind(store)
      store[method] = async (did, ...rest) => {
        bump(did)
        try {
          return await original(did, ...rest)
        } finally {
          bump(did)
        }
      }
    }
    /** Every record of `collection` in `did`'s repo (what listRecords would answer); undefined when the PDS does not host it. */
    const readRecords = async (did, collection) => {
      const key = `${did} ${collection}`
      if (records.has(key)) return records.get(key)
      const generation = generations.get(did)
      const found = (await store.exists(did))
        ? await store.read(did, (reader) => reader.record.listRecordsForCollection({ collection, limit: 100_000, reverse: false }))
        : undefined
      if (generations.get(did) === generation) {
        if (records.size > 50_000) records.clear()
        records.set(key, found)
      }
      return found
    }

    return { plcUrl, pdsUrl, adminPassword: ADMIN_PASSWORD, createAccount, readRecords, close }
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
