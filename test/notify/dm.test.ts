import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { NotifyTask } from "../../src/domain/notify/task"
import { DEFAULT_CHAT_SERVICE_PROXY, dmChannelLayer, type DmSenderConfig } from "../../src/adapters/channels/DmChannelLive"
import { DmChannel } from "../../src/services/NotifyChannels"
import { bookingEvent, GUEST, HOST } from "./fixtures"
import { type Reply, type Seen, startStandIn } from "./httpStandIn"

const SENDER = "did:plc:overlapsenderaccount0000"
const PASSWORD = "abcd-efgh-ijkl-mnop"

/**
 * A local stand-in for the sender's PDS and, behind its atproto-proxy, Bluesky's chat service: it implements
 * com.atproto.server.createSession, chat.bsky.convo.getConvoForMembers and chat.bsky.convo.sendMessage,
 * and refuses (with an XRPC error) any call whose header or body is not what the real services expect.
 */
const chatStandIn = () => {
  let tokens = 0
  const valid = new Set<string>()
  const messages: Array<{ convoId: string; text: string }> = []
  const script: Array<Reply> = []
  const xrpcError = (status: number, error: string, message = error): Reply => ({
    status,
    body: JSON.stringify({ error, message })
  })
  const respond = (seen: Seen): Reply => {
    const scripted = script.shift()
    if (scripted) return scripted
    const url = new URL(seen.path, "http://x")
    if (url.pathname === "/xrpc/com.atproto.server.createSession") {
      if (seen.method !== "POST") return xrpcError(405, "MethodNotAllowed")
      const body = JSON.parse(seen.body) as { identifier?: string; password?: string }
      if (body.identifier !== SENDER || body.password !== PASSWORD) return xrpcError(401, "AuthenticationRequired")
      const token = `access-${++tokens}`
      valid.add(token)
      return { status: 200, body: JSON.stringify({ did: SENDER, handle: "overlap.test", accessJwt: token, refreshJwt: "r" }) }
    }
    const token = seen.headers.authorization?.replace(/^Bearer /, "") ?? ""
    if (!valid.has(token)) return xrpcError(400, "ExpiredToken", "Token has expired")
    if (seen.headers["atproto-proxy"] !== DEFAULT_CHAT_SERVICE_PROXY) return xrpcError(400, "InvalidRequest", "no or wrong atproto-proxy")
    if (url.pathname === "/xrpc/chat.bsky.convo.getConvoForMembers") {
      if (seen.method !== "GET") return xrpcError(405, "MethodNotAllowed")
      const members = url.searchParams.getAll("members")
      if (members.length !== 2 || !members.includes(SENDER) || !members.every((m) => m.startsWith("did:"))) {
        return xrpcError(400, "InvalidRequest", `bad members ${members}`)
      }
      const other = members.find((m) => m !== SENDER)!
      return { status: 200, body: JSON.stringify({ convo: { id: `convo-${other}`, rev: "1", members: [], muted: false, unreadCount: 0 } }) }
    }
    if (url.pathname === "/xrpc/chat.bsky.convo.sendMessage") {
      if (seen.method !== "POST" || seen.headers["content-type"] !== "application/json") return xrpcError(400, "InvalidRequest")
      const body = JSON.parse(seen.body) as { convoId?: unknown; message?: { text?: unknown } }
      if (typeof body.convoId !== "string" || typeof body.message?.text !== "string" || body.message.text.length > 1000) {
        return xrpcError(400, "InvalidRequest", "bad sendMessage body")
      }
      messages.push({ convoId: body.convoId, text: body.message.text })
      return { status: 200, body: JSON.stringify({ id: `msg-${messages.length}`, rev: "2", text: body.message.text, sender: { did: SENDER }, sentAt: new Date().toISOString() }) }
    }
    return xrpcError(501, "MethodNotImplemented")
  }
  return { respond, messages, script, expire: () => valid.clear(), sessions: () => tokens }
}

describe("DmChannel (Live) against a local PDS + chat stand-in", () => {
  const chat = chatStandIn()
  let server: Awaited<ReturnType<typeof startStandIn>>
  beforeAll(async () => {
    server = await startStandIn(chat.respond)
  })
  afterAll(() => server.close())

  const config = (): DmSenderConfig => ({ did: SENDER, pds: server.url, appPassword: PASSWORD, proxy: DEFAULT_CHAT_SERVICE_PROXY, timeoutMs: 500 })
  const task = (target: string, overrides: Partial<NotifyTask> = {}) =>
    ({ channel: "dm", id: "bk_01HXYZ:1:booking.confirmed", target, recipientDid: target, event: bookingEvent(), ...overrides }) as Extract<NotifyTask, { channel: "dm" }>
  const send = (t: Extract<NotifyTask, { channel: "dm" }>) => Effect.flatMap(DmChannel, (c) => c.send(t))

  it.live("creates a session once, finds the conversation and sends the message through the proxy", () =>
    Effect.gen(function*() {
      expect(yield* send(task(GUEST))).toBe("sent")
      expect(yield* send(task(HOST, { recipientDid: HOST }))).toBe("sent")
      expect(chat.sessions()).toBe(1)
      expect(chat.messages).toHaveLength(2)
      expect(chat.messages[0]!.convoId).toBe(`convo-${GUEST}`)
      expect(chat.messages[0]!.text).toContain(`Your meeting with ${HOST} is confirmed: Tue, 3 Mar 2026, 10:00–10:30 (Europe/Berlin).`)
      expect(chat.messages[1]!.text).toContain(`Your meeting with ${GUEST}`)
      const paths = server.seen.map((s) => new URL(s.path, "http://x").pathname)
      expect(paths).toEqual([
        "/xrpc/com.atproto.server.createSession",
        "/xrpc/chat.bsky.convo.getConvoForMembers",
        "/xrpc/chat.bsky.convo.sendMessage",
        "/xrpc/chat.bsky.convo.getConvoForMembers",
        "/xrpc/chat.bsky.convo.sendMessage"
      ])
      // the app password only ever goes to createSession
      expect(server.seen.filter((s) => s.body.includes(PASSWORD))).toHaveLength(1)
    }).pipe(Effect.provide(dmChannelLayer(config()))))

  it.live("renews an expired session once and carries on", () =>
    Effect.gen(function*() {
      yield* send(task(GUEST))
      chat.expire()
      const before = chat.messages.length
      expect(yield* send(task(GUEST))).toBe("sent")
      expect(chat.messages.length).toBe(before + 1)
    }).pipe(Effect.provide(dmChannelLayer(config()))))

  it.live("5xx and timeouts are retryable; a refused request is permanent; no sender is permanent", () =>
    Effect.gen(function*() {
      yield* send(task(GUEST)) // warm the session
      chat.script.push({ status: 502 })
      expect(yield* Effect.flip(send(task(GUEST)))).toMatchObject({ retryable: true, reason: "dm getConvoForMembers: HTTP 502" })
      chat.script.push({ status: 200, delayMs: 1500, body: "{}" })
      expect(yield* Effect.flip(send(task(GUEST)))).toMatchObject({ retryable: true, reason: expect.stringMatching(/timed out/) })
      chat.script.push({ status: 400, body: JSON.stringify({ error: "InvalidRequest", message: "recipient has disabled incoming messages" }) })
      expect(yield* Effect.flip(send(task(GUEST)))).toMatchObject({ retryable: false, reason: "dm getConvoForMembers: HTTP 400 InvalidRequest" })
    }).pipe(Effect.provide(dmChannelLayer(config()))))

  it.live("without a configured sender nothing is called", () =>
    Effect.gen(function*() {
      const calls = server.seen.length
      expect(yield* Effect.flip(send(task(GUEST)))).toMatchObject({ retryable: false, reason: expect.stringMatching(/not configured/) })
      expect(server.seen.length).toBe(calls)
    }).pipe(Effect.provide(dmChannelLayer({ ...config(), did: undefined }))))
})
