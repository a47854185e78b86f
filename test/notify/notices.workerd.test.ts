import { createExecutionContext, createMessageBatch, env, fetchMock, getQueueResult } from "cloudflare:test"
import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import type { OutboundGuard } from "../../src/services/OutboundGuard"
import { Effect, Layer } from "effect"
import { Webhook } from "standardwebhooks"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  connectorBrokenNoticeId,
  type ConnectorNotice,
  holdConflictNoticeId
} from "../../src/domain/calendar/connectorNotice"
import worker from "../../src/entry/notify"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import type { DeadLetter } from "../../src/services/DeadLetters"
import type { TokenVault } from "../../src/services/TokenVault"
import { createSubscription } from "../../src/services/WebhookSubscriptions"
import type { WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"
import { END, GUEST, HOST, START } from "./fixtures"

// Connector notices (issue 6) through the notify worker's real queue() handler: the notice is planned in the
// consumer against the real D1 subscriptions, each delivery goes through the D1 ledger, webhooks are verified
// with the standardwebhooks library by the receiver (fetchMock), the DM service is fetchMock too.

const HOOK_ORIGIN = "https://hooks.overlap.test"
// a .test name: registered as in development (its worker env), where the outbound guard checks the URL's shape only
const developmentOutbound = makeOutboundGuardTest({}, { development: true, allowedPorts: [] })
const PDS_ORIGIN = "https://pds.overlap.test"
const SENDER = "did:plc:overlapsenderaccount0000"
const AT = Date.UTC(2026, 2, 2, 12, 0, 0)

const makeEnv = (overrides: Partial<Env> = {}) => {
  const deadLetters: Array<DeadLetter> = []
  const testEnv: Env = {
    ...env,
    NOTIFY_DEAD_LETTERS: { send: async (body: DeadLetter) => void deadLetters.push(body) } as unknown as Queue,
    NOTIFY_MAX_RETRIES: "8",
    DM_SENDER_DID: "",
    DM_SENDER_PDS: PDS_ORIGIN,
    DM_SENDER_APP_PASSWORD: "app-pass-word-1234",
    ...overrides
  }
  return { testEnv, deadLetters }
}

const run = <A, E>(effect: Effect.Effect<A, E, WebhookSubscriptionsRepo | TokenVault | OutboundGuard>) =>
  Effect.runPromise(effect.pipe(Effect.provide(
    Layer.mergeAll(WebhookSubscriptionsRepoLive.pipe(Layer.provide(D1Live)), TokenVaultLive, developmentOutbound).pipe(Layer.provide(CloudflareEnv.layer(env)))
  )))

const deliver = async (testEnv: Env, messages: ReadonlyArray<{ id: string; attempts: number; body: unknown }>) => {
  const batch = createMessageBatch<unknown>("notify-tasks", messages.map((m) => ({ ...m, timestamp: new Date() })))
  const ctx = createExecutionContext()
  await worker.queue(batch, testEnv)
  const result = await getQueueResult(batch, ctx)
  return { acked: [...result.explicitAcks].sort(), retried: result.retryMessages.map((r: { msgId: string }) => r.msgId).sort() }
}

const ledger = async () =>
  (await env.DB.prepare("SELECT notification_id, channel, target, status FROM notify_deliveries ORDER BY channel, target").all()).results

/** A subscriber's endpoint at `/<name>`: every delivery is verified with standardwebhooks against its own secret. */
interface Received {
  readonly path: string
  readonly headers: Record<string, string>
  readonly payload: Record<string, unknown>
}
const received: Array<Received> = []
const subscribe = async (did: string, name: string, status = 200, times = 1) => {
  const subscription = await run(createSubscription(did, `${HOOK_ORIGIN}/${name}`))
  fetchMock.get(HOOK_ORIGIN).intercept({ path: `/${name}`, method: "POST" }).reply(status, (opts) => {
    const headers = opts.headers as Record<string, string>
    const payload = new Webhook(subscription.secret).verify(String(opts.body), headers) as Record<string, unknown>
    received.push({ path: `/${name}`, headers, payload })
    return ""
  }).times(times)
  return subscription
}

const brokenNotice = (overrides: Partial<Extract<ConnectorNotice, { kind: "connector-broken" }>> = {}): ConnectorNotice => ({
  kind: "connector-broken",
  id: connectorBrokenNoticeId("cn_01HGOOGLE", AT),
  did: GUEST,
  recipients: [GUEST],
  connectorId: "cn_01HGOOGLE",
  provider: "google",
  reason: "invalid_grant",
  at: AT,
  ...overrides
})

const holdNotice: ConnectorNotice = {
  kind: "hold-conflict-released",
  id: holdConflictNoticeId("bk_01HOLD"),
  bookingId: "bk_01HOLD",
  hostDid: HOST,
  guestDid: GUEST,
  recipients: [HOST, GUEST],
  startAt: START,
  endAt: END,
  at: AT
}

beforeAll(() => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
afterEach(() => {
  received.length = 0
  fetchMock.assertNoPendingInterceptors()
})

describe("notify consumer: connector notices (issue 6)", () => {
  it("connector-broken reaches the owner's webhook, signed, and is not sent again on redelivery", async () => {
    const { testEnv, deadLetters } = makeEnv()
    const subscription = await subscribe(GUEST, "guest")
    const notice = brokenNotice()

    expect(await deliver(testEnv, [{ id: "m-notice", attempts: 1, body: notice }])).toEqual({ acked: ["m-notice"], retried: [] })
    expect(received).toHaveLength(1)
    expect(received[0]!.headers["webhook-id"]).toBe(notice.id)
    expect(received[0]!.payload).toEqual({
      type: "connector.broken",
      timestamp: expect.any(String),
      data: {
        notificationId: notice.id,
        recipientDid: GUEST,
        connectorId: "cn_01HGOOGLE",
        provider: "google",
        reason: "invalid_grant",
        at: new Date(AT).toISOString()
      }
    })

    // the queue redelivers it, and the producer may have enqueued it twice: nothing is sent again
    expect(await deliver(testEnv, [
      { id: "m-notice", attempts: 2, body: notice },
      { id: "m-notice-copy", attempts: 1, body: notice }
    ])).toEqual({ acked: ["m-notice", "m-notice-copy"], retried: [] })
    expect(received).toHaveLength(1)
    expect(await ledger()).toEqual([{ notification_id: notice.id, channel: "webhook", target: subscription.id, status: "delivered" }])
    expect(deadLetters).toEqual([])
  })

  it("hold-conflict-released reaches both participants (webhook and DM each), without the busy time or whose it was", async () => {
    const { testEnv } = makeEnv({ DM_SENDER_DID: SENDER })
    await subscribe(HOST, "host")
    await subscribe(GUEST, "guest")
    const texts: Array<{ members: ReadonlyArray<string>; text: string }> = []
    const convoMembers = new Map<string, ReadonlyArray<string>>()
    const pds = fetchMock.get(PDS_ORIGIN)
    const json = (body: unknown) => ({ statusCode: 200, data: JSON.stringify(body), responseOptions: { headers: { "content-type": "application/json" } } })
    pds.intercept({ path: "/xrpc/com.atproto.server.createSession", method: "POST" })
      .reply(() => json({ did: SENDER, accessJwt: "jwt-1", refreshJwt: "r", handle: "overlap.test" }))
    pds.intercept({ path: (p) => p.startsWith("/xrpc/chat.bsky.convo.getConvoForMembers?"), method: "GET" })
      .reply((opts) => {
        const members = new URL(opts.path, PDS_ORIGIN).searchParams.getAll("members")
        const id = `convo-${members[1]}`
        convoMembers.set(id, members)
        return json({ convo: { id } })
      }).times(2)
    pds.intercept({ path: "/xrpc/chat.bsky.convo.sendMessage", method: "POST" })
      .reply((opts) => {
        const body = JSON.parse(String(opts.body)) as { convoId: string; message: { text: string } }
        texts.push({ members: convoMembers.get(body.convoId) ?? [], text: body.message.text })
        return json({ id: `msg-${texts.length}` })
      }).times(2)

    expect(await deliver(testEnv, [{ id: "m-hold", attempts: 1, body: holdNotice }])).toEqual({ acked: ["m-hold"], retried: [] })

    // webhooks: one to each participant's own subscription, each verified with that subscription's secret
    expect(received.map((r) => [r.path, (r.payload.data as { recipientDid: string }).recipientDid]).sort()).toEqual([
      ["/guest", GUEST],
      ["/host", HOST]
    ])
    for (const r of received) {
      expect(r.headers["webhook-id"]).toBe("hold-conflict-released:bk_01HOLD")
      expect(r.payload).toMatchObject({ type: "booking.hold_released" })
      expect(Object.keys(r.payload.data as object).sort()).toEqual(
        ["bookingId", "end", "guestDid", "hostDid", "notificationId", "recipientDid", "start"]
      )
    }

    // DMs: one to each, naming the booking and the other person, saying the time became busy on a calendar
    expect(texts.map((t) => t.members[1]).sort()).toEqual([GUEST, HOST].sort())
    const toHost = texts.find((t) => t.members[1] === HOST)!.text
    const toGuest = texts.find((t) => t.members[1] === GUEST)!.text
    expect(toHost).toContain(`The hold on your meeting with ${GUEST} on Tue, 3 Mar 2026, 09:00–09:30 (UTC) was released`)
    expect(toGuest).toContain(`your meeting with ${HOST}`)
    for (const { text } of texts) {
      expect(text).toContain("that time became busy on a calendar")
      expect(text).toContain("Overlap booking bk_01HOLD")
    }
    expect((await ledger()).map((r) => `${r.channel}:${r.target}:${r.status}`).filter((r) => r.startsWith("dm:")).sort()).toEqual(
      [`dm:${GUEST}:delivered`, `dm:${HOST}:delivered`].sort()
    )
  })

  it("connector-broken as a DM says to reconnect, and that Overlap will not book time meanwhile", async () => {
    const { testEnv } = makeEnv({ DM_SENDER_DID: SENDER })
    const texts: Array<string> = []
    const pds = fetchMock.get(PDS_ORIGIN)
    const json = (body: unknown) => ({ statusCode: 200, data: JSON.stringify(body), responseOptions: { headers: { "content-type": "application/json" } } })
    pds.intercept({ path: "/xrpc/com.atproto.server.createSession", method: "POST" }).reply(() => json({ did: SENDER, accessJwt: "jwt-1" }))
    pds.intercept({ path: (p) => p.startsWith("/xrpc/chat.bsky.convo.getConvoForMembers?"), method: "GET" })
      .reply(() => json({ convo: { id: "convo-1" } }))
    pds.intercept({ path: "/xrpc/chat.bsky.convo.sendMessage", method: "POST" }).reply((opts) => {
      texts.push((JSON.parse(String(opts.body)) as { message: { text: string } }).message.text)
      return json({ id: "msg-1" })
    })
    expect(await deliver(testEnv, [{ id: "m-notice", attempts: 1, body: brokenNotice() }])).toEqual({ acked: ["m-notice"], retried: [] })
    expect(texts).toEqual([
      "Your Google calendar connection stopped working — reconnect it in Overlap; until then Overlap will not book time with you."
    ])
  })

  it("a malformed notice is dead-lettered at once as undecodable; the rest of the batch goes on", async () => {
    const { testEnv, deadLetters } = makeEnv()
    await subscribe(GUEST, "guest")
    const { connectorId: _, ...noConnector } = brokenNotice() as Extract<ConnectorNotice, { kind: "connector-broken" }>
    const result = await deliver(testEnv, [
      { id: "m-missing", attempts: 1, body: noConnector },
      { id: "m-kind", attempts: 1, body: { ...brokenNotice(), kind: "connector-exploded" } },
      { id: "m-bad-id", attempts: 1, body: brokenNotice({ id: "has spaces in it" }) },
      { id: "m-good", attempts: 1, body: brokenNotice() }
    ])
    expect(result).toEqual({ acked: ["m-bad-id", "m-good", "m-kind", "m-missing"], retried: [] })
    expect(deadLetters.map((l) => [l.messageId, l.reason]).sort()).toEqual([
      ["m-bad-id", "undecodable"],
      ["m-kind", "undecodable"],
      ["m-missing", "undecodable"]
    ])
    expect(deadLetters.find((l) => l.messageId === "m-missing")!.error).toMatch(/connectorId/)
    expect(deadLetters.find((l) => l.messageId === "m-kind")!.error).toMatch(/unknown kind/)
    expect(deadLetters.find((l) => l.messageId === "m-missing")!.body).toEqual(noConnector)
    expect(received).toHaveLength(1)
  })

  it("a delivery of a notice that fails for good is dead-lettered on its own (body = the task); a retryable one retries the notice", async () => {
    const { testEnv, deadLetters } = makeEnv()
    const gone = await subscribe(HOST, "host", 404)
    await subscribe(GUEST, "guest", 503)
    expect(await deliver(testEnv, [{ id: "m-hold", attempts: 1, body: holdNotice }])).toEqual({ acked: [], retried: ["m-hold"] })
    expect(deadLetters).toEqual([{
      reason: "delivery-failed",
      messageId: "m-hold",
      attempts: 1,
      error: "webhook: HTTP 404",
      body: expect.objectContaining({ channel: "webhook", target: gone.id, id: holdNotice.id, recipientDid: HOST })
    }])

    // the retry: the dead delivery is not tried again, the other one goes through
    fetchMock.get(HOOK_ORIGIN).intercept({ path: "/guest", method: "POST" }).reply(200, "")
    expect(await deliver(testEnv, [{ id: "m-hold", attempts: 2, body: holdNotice }])).toEqual({ acked: ["m-hold"], retried: [] })
    expect(deadLetters).toHaveLength(1)
    expect((await ledger()).map((r) => r.status).sort()).toEqual(["dead", "delivered"])
  })
})
