// Local-dev and test only: a stand-in for Bluesky's chat service (the `did:web:api.bsky.chat#bsky_chat` a PDS
// proxies chat.bsky.* to), so Overlap's Bluesky DMs (issue 16 item 3) can be sent without the network. It speaks
// the documented shapes of the two methods the notify worker calls, and is reached the way the real one is: the
// sender's PDS receives the call with `atproto-proxy: <this service's DID>#bsky_chat`, resolves that did:web to
// this server, and forwards the call with a service-auth JWT it signs for the sender, which is checked here
// (signature by the sender's key from their DID document, aud = this service's DID, lxm = the method).
//
//   GET  /.well-known/did.json                       did:web:localhost%3A<port> with a #bsky_chat service
//   GET  /xrpc/chat.bsky.convo.getConvoForMembers    ?members=<did>&members=<did> → { convo: convoView }
//   POST /xrpc/chat.bsky.convo.sendMessage           { convoId, message: { text } } → messageView
//   GET  /messages                                   (this stand-in's own) every message sent, for tests / dev
//
// Nothing is stored beyond the process. Conversations are per member set (as on Bluesky: one convo per set).
import { createHash, randomBytes } from "node:crypto"
import http from "node:http"

const MAX_TEXT_BYTES = 10_000 // chat.bsky.convo.defs#messageInput: maxLength 10000 (graphemes: 1000)
const MAX_MEMBERS = 10

const xrpcError = (res, status, error, message) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ error, message }))
}

const readJson = (req, limit = 64 * 1024) =>
  new Promise((resolve, reject) => {
    let size = 0
    const chunks = []
    req.on("data", (chunk) => {
      size += chunk.length
      if (size > limit) reject(new Error("body too large"))
      else chunks.push(chunk)
    })
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      } catch {
        reject(new Error("body is not JSON"))
      }
    })
    req.on("error", reject)
  })

/**
 * Starts the stand-in on 127.0.0.1:`port` (0: any free port). `plcUrl` is where senders' did:plc documents are
 * resolved (their signing keys). Resolves to `{ did, proxy, url, messages, close }`: `proxy` is the
 * CHAT_SERVICE_PROXY value (`<did>#bsky_chat`), `messages` every message sent so far.
 */
export async function startChatStandIn({ port = 0, plcUrl }) {
  // @atproto/crypto only (no @atproto/identity or xrpc-server: their undici needs Node 22, dev.mjs runs on Node 20)
  const { verifySignature } = await import("@atproto/crypto")
  const plc = plcUrl.replace(/\/+$/, "")
  const convos = new Map() // id → { id, members: [did], rev }
  const messages = [] // { id, convoId, sender, recipients, text, sentAt }
  let did = ""
  let url = ""

  /** The signing key (did:key) of a did:plc sender: its `atproto` verification method in the PLC's data. */
  const signingKey = async (iss) => {
    if (!/^did:plc:[a-z2-7]{24}$/.test(iss)) throw new Error(`iss ${iss}: only did:plc senders are known here`)
    const response = await fetch(`${plc}/${iss}/data`)
    if (!response.ok) throw new Error(`iss ${iss}: the PLC answered ${response.status}`)
    const key = (await response.json()).verificationMethods?.atproto
    if (typeof key !== "string" || !key.startsWith("did:key:")) throw new Error(`iss ${iss}: no atproto key`)
    return key
  }

  /** A service-auth JWT (https://atproto.com/specs/xrpc#inter-service-authentication-jwt) for this service and method. */
  const verifyServiceAuth = async (token, lxm) => {
    const parts = token.split(".")
    if (parts.length !== 3) throw new Error("not a JWT")
    const [header, payload] = parts.slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")))
    if (header.typ !== undefined && header.typ !== "JWT") throw new Error(`typ ${header.typ}`)
    if (payload.aud !== did && payload.aud !== `${did}#bsky_chat`) throw new Error(`aud ${payload.aud} is not ${did}`)
    if (payload.lxm !== lxm) throw new Error(`lxm ${payload.lxm} is not ${lxm}`)
    if (typeof payload.exp !== "number" || payload.exp * 1000 < Date.now()) throw new Error("expired")
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`)
    const signature = new Uint8Array(Buffer.from(parts[2], "base64url"))
    const valid = await verifySignature(await signingKey(payload.iss), signed, signature, { jwtAlg: header.alg, allowMalleableSig: true })
    if (!valid) throw new Error("bad signature")
    return payload.iss
  }

  /** The caller, from the PDS's service-auth JWT for this method; undefined after answering 401. */
  const caller = async (req, res, lxm) => {
    const auth = req.headers.authorization ?? ""
    if (!auth.startsWith("Bearer ")) return void xrpcError(res, 401, "AuthMissing", "service auth required")
    try {
      return await verifyServiceAuth(auth.slice("Bearer ".length), lxm)
    } catch (error) {
      if (process.env.CHAT_STANDIN_DEBUG) console.error("chat stand-in: refused service auth:", error)
      return void xrpcError(res, 401, "InvalidToken", String(error?.message ?? error).slice(0, 200))
    }
  }

  const convoView = (convo) => ({
    id: convo.id,
    rev: convo.rev,
    members: convo.members.map((member) => ({ did: member, handle: "handle.invalid" })),
    muted: false,
    status: "accepted",
    unreadCount: 0
  })

  const server = http.createServer(async (req, res) => {
    try {
      const here = new URL(req.url ?? "/", "http://localhost")
      if (req.method === "GET" && here.pathname === "/.well-known/did.json") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(JSON.stringify({
          "@context": ["https://www.w3.org/ns/did/v1"],
          id: did,
          service: [{ id: "#bsky_chat", type: "BskyChatService", serviceEndpoint: url }]
        }))
      }
      if (req.method === "GET" && here.pathname === "/messages") {
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(JSON.stringify({ messages }))
      }
      if (req.method === "GET" && here.pathname === "/xrpc/chat.bsky.convo.getConvoForMembers") {
        const iss = await caller(req, res, "chat.bsky.convo.getConvoForMembers")
        if (iss === undefined) return
        const members = [...new Set(here.searchParams.getAll("members"))]
        if (members.length < 1 || members.length > MAX_MEMBERS || !members.every((m) => m.startsWith("did:"))) {
          return xrpcError(res, 400, "InvalidRequest", "members: 1 to 10 DIDs")
        }
        if (!members.includes(iss)) return xrpcError(res, 400, "InvalidRequest", "members: must include the caller")
        const sorted = [...members].sort()
        const id = createHash("sha256").update(sorted.join("\n")).digest("base64url").slice(0, 16)
        if (!convos.has(id)) convos.set(id, { id, members: sorted, rev: `${Date.now()}` })
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(JSON.stringify({ convo: convoView(convos.get(id)) }))
      }
      if (req.method === "POST" && here.pathname === "/xrpc/chat.bsky.convo.sendMessage") {
        const iss = await caller(req, res, "chat.bsky.convo.sendMessage")
        if (iss === undefined) return
        const body = await readJson(req).catch((error) => ({ error }))
        if (body.error !== undefined) return xrpcError(res, 400, "InvalidRequest", String(body.error.message))
        const convo = typeof body.convoId === "string" ? convos.get(body.convoId) : undefined
        const text = body.message?.text
        if (convo === undefined) return xrpcError(res, 400, "InvalidRequest", "convoId: no such conversation")
        if (!convo.members.includes(iss)) return xrpcError(res, 400, "InvalidRequest", "convoId: the caller is not a member")
        if (typeof text !== "string" || text.length === 0 || Buffer.byteLength(text) > MAX_TEXT_BYTES) {
          return xrpcError(res, 400, "InvalidRequest", "message.text: 1 to 10000 bytes")
        }
        const message = {
          id: randomBytes(8).toString("hex"),
          convoId: convo.id,
          sender: iss,
          recipients: convo.members.filter((m) => m !== iss),
          text,
          sentAt: new Date().toISOString()
        }
        messages.push(message)
        convo.rev = `${Date.now()}`
        res.writeHead(200, { "content-type": "application/json" })
        return res.end(JSON.stringify({ id: message.id, rev: convo.rev, text, sender: { did: iss }, sentAt: message.sentAt }))
      }
      xrpcError(res, 404, "MethodNotImplemented", `${req.method} ${here.pathname} is not served by the chat stand-in`)
    } catch (error) {
      xrpcError(res, 500, "InternalServerError", String(error?.message ?? error).slice(0, 200))
    }
  })
  await new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", resolve)
  })
  const bound = server.address().port
  // did:web:localhost%3A<port>: atproto resolves a localhost did:web over plain http (the local PDS does)
  did = `did:web:localhost%3A${bound}`
  url = `http://127.0.0.1:${bound}`
  return {
    did,
    proxy: `${did}#bsky_chat`,
    url,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/**
 * `npm run dev`: wrangler's `--var` reaches only the first config (the AppView), so the notify worker's DM sender
 * is set in a copy of wrangler.notify.toml beside it (same directory: the same local state and relative paths),
 * `.wrangler.notify.dev.toml` (git-ignored), with DM_SENDER_DID / DM_SENDER_PDS / CHAT_SERVICE_PROXY and the
 * sender's password of the local PDS as DM_SENDER_APP_PASSWORD. Returns the copy's path.
 */
export async function writeDevNotifyConfig(root, { did, pds, password, proxy }) {
  const { readFileSync, writeFileSync } = await import("node:fs")
  const path = await import("node:path")
  const source = readFileSync(path.join(root, "wrangler.notify.toml"), "utf8")
  const quote = (value) => JSON.stringify(String(value))
  const set = (text, key, value) => {
    const pattern = new RegExp(`^${key} = .*$`, "m")
    if (!pattern.test(text)) throw new Error(`wrangler.notify.toml has no top-level ${key}`)
    return text.replace(pattern, `${key} = ${quote(value)}`)
  }
  let text = set(set(set(source, "DM_SENDER_DID", did), "DM_SENDER_PDS", pds), "CHAT_SERVICE_PROXY", proxy)
  text = text.replace(/^DM_SENDER_DID = .*$/m, (line) => `${line}\nDM_SENDER_APP_PASSWORD = ${quote(password)}`)
  const file = path.join(root, ".wrangler.notify.dev.toml")
  writeFileSync(file, `# generated by npm run dev (scripts/chatStandIn.mjs) from wrangler.notify.toml: do not edit\n${text}`)
  return ".wrangler.notify.dev.toml"
}
