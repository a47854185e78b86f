import http from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import type * as WS from "ws"
import { type LocalAccount, type LocalAtproto, startLocalAtproto } from "../../scripts/localAtproto.mjs"

/**
 * Node side of the firehose suite, on the ports vitest.firehose.config.ts chose:
 *   - a real PLC + PDS, and an "atproto client" endpoint (`POST /client`) through which the tests in workerd drive
 *     real @atproto/api agents (which do not load in workerd): create accounts, create/put/delete records,
 *     deactivate/activate accounts, delete or take down an account as the PDS's operator;
 *   - a scripted Jetstream: `POST /script` (JSON array of Jetstream messages) sets what a subscriber gets; a
 *     subscriber with `?cursor=T` gets the messages with time_us >= T, as Jetstream replays.
 */
// required, not imported: vite resolves an import of "ws" to its browser stub
const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof WS

let network: LocalAtproto | undefined
let jetstream: { close: () => Promise<void> } | undefined
const agents = new Map<string, LocalAccount["agent"]>()

type ClientCall =
  | { readonly op: "createAccount"; readonly name: string }
  | { readonly op: "createRecord"; readonly did: string; readonly collection: string; readonly record: unknown; readonly validate?: boolean }
  | { readonly op: "putRecord"; readonly did: string; readonly collection: string; readonly rkey: string; readonly record: unknown }
  | { readonly op: "deleteRecord"; readonly did: string; readonly collection: string; readonly rkey: string }
  | { readonly op: "deactivateAccount" | "activateAccount"; readonly did: string }
  | { readonly op: "deleteAccount" | "takedownAccount"; readonly did: string }

const callClient = async (call: ClientCall): Promise<unknown> => {
  if (call.op === "createAccount") {
    const account = await network!.createAccount(call.name)
    agents.set(account.did, account.agent)
    return { did: account.did, handle: account.handle }
  }
  if (call.op === "deleteAccount") {
    // as the PDS's operator deletes an account (the PDS then emits #account with status deleted)
    const res = await fetch(`${network!.pdsUrl}/xrpc/com.atproto.admin.deleteAccount`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`admin:${network!.adminPassword}`).toString("base64")}` },
      body: JSON.stringify({ did: call.did })
    })
    if (!res.ok) throw new Error(`deleteAccount: ${res.status} ${await res.text()}`)
    agents.delete(call.did)
    return {}
  }
  if (call.op === "takedownAccount") {
    // as the PDS's operator takes an account down (the PDS then emits #account with status takendown)
    const res = await fetch(`${network!.pdsUrl}/xrpc/com.atproto.admin.updateSubjectStatus`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`admin:${network!.adminPassword}`).toString("base64")}` },
      body: JSON.stringify({ subject: { $type: "com.atproto.admin.defs#repoRef", did: call.did }, takedown: { applied: true, ref: "overlap-test" } })
    })
    if (!res.ok) throw new Error(`takedownAccount: ${res.status} ${await res.text()}`)
    return {}
  }
  const agent = agents.get(call.did)
  if (agent === undefined) throw new Error(`no agent for ${call.did}`)
  const repo = agent.com.atproto.repo
  switch (call.op) {
    case "createRecord":
      return (await repo.createRecord({
        repo: call.did,
        collection: call.collection,
        record: call.record as Record<string, unknown>,
        ...(call.validate === false ? { validate: false } : {})
      })).data
    case "putRecord":
      return (await repo.putRecord({ repo: call.did, collection: call.collection, rkey: call.rkey, record: call.record as Record<string, unknown> })).data
    case "deleteRecord":
      return (await repo.deleteRecord({ repo: call.did, collection: call.collection, rkey: call.rkey })).data
    case "deactivateAccount":
      return (await agent.com.atproto.server.deactivateAccount({})).success
    case "activateAccount":
      return (await agent.com.atproto.server.activateAccount()).success
  }
}

const startJetstream = async (port: number) => {
  let script: Array<{ time_us: number }> = []
  const queries: Array<string> = []
  const server = http.createServer((req, res) => {
    if (req.method === "POST" && req.url === "/script") {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        script = JSON.parse(body)
        res.writeHead(204).end()
      })
      return
    }
    if (req.method === "POST" && req.url === "/client") {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        callClient(JSON.parse(body)).then(
          (result) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result ?? {})),
          (error) => res.writeHead(500, { "content-type": "text/plain" }).end(String(error))
        )
      })
      return
    }
    if (req.url === "/queries") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(queries))
    res.writeHead(404).end()
  })
  const wss = new WebSocketServer({ server, path: "/subscribe" })
  wss.on("connection", (socket, req) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    queries.push(url.search)
    const cursor = url.searchParams.has("cursor") ? Number(url.searchParams.get("cursor")) : -1
    for (const message of script) if (message.time_us >= cursor) socket.send(JSON.stringify(message))
  })
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => server.close(() => resolve()))
      })
  }
}

export async function setup() {
  const ports = (globalThis as { __overlapFirehosePorts?: Record<string, number> }).__overlapFirehosePorts
  if (ports === undefined) throw new Error("vitest.firehose.config.ts did not choose the ports")
  network = await startLocalAtproto({ plcPort: ports.plc, pdsPort: ports.pds })
  jetstream = await startJetstream(ports.jetstream!)
}

export async function teardown() {
  await jetstream?.close()
  await network?.close()
}
