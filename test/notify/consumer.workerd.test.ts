import { createExecutionContext, createMessageBatch, env, fetchMock, getQueueResult } from "cloudflare:test"
import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import type { OutboundGuard } from "../../src/services/OutboundGuard"
import { Effect, Layer } from "effect"
import ICAL from "ical.js"
import PostalMime from "postal-mime"
import { Webhook } from "standardwebhooks"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Invitation } from "../../src/domain/invitation"
import { backoffSeconds } from "../../src/domain/notify/retry"
import type { NotifyTask } from "../../src/domain/notify/task"
import worker from "../../src/entry/notify"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { DeliveriesRepoLive } from "../../src/adapters/d1/DeliveriesRepoLive"
import { IcsStoreLive } from "../../src/adapters/r2/IcsStoreLive"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import type { DeadLetter } from "../../src/services/DeadLetters"
import { DeliveriesRepo } from "../../src/services/DeliveriesRepo"
import { IcsStore } from "../../src/services/IcsStore"
import type { TokenVault } from "../../src/services/TokenVault"
import { createSubscription } from "../../src/services/WebhookSubscriptions"
import type { WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"
import { bookingEvent, confirmInvitation, GUEST, HOST } from "./fixtures"
import { ALL_KINDS, DEFAULT_PREFERENCES } from "../../src/domain/notify/preferences"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { NotifySettings } from "../../src/services/NotifySettings"

// The notify worker's real queue() handler, driven with real message batches (createMessageBatch /
// getQueueResult), over the real local D1 (the delivery ledger, subscriptions) and R2 (invitations) of the
// test pool. What cannot be real here is stood in for: the send_email binding (a recorder that keeps the
// raw MIME, as miniflare's own binding does), the dead-letter producer (a recorder), and the far ends of
// webhooks and the DM service (fetchMock; the webhook receiver verifies with the standardwebhooks library).

const HOOK_ORIGIN = "https://hooks.overlap.test"
// a .test name: registered as in development (its worker env), where the outbound guard checks the URL's shape only
const developmentOutbound = makeOutboundGuardTest({}, { development: true, allowedPorts: [] })
const PDS_ORIGIN = "https://pds.overlap.test"
const SENDER = "did:plc:overlapsenderaccount0000"

interface SentEmail {
  readonly from: string
  readonly to: string
  readonly raw: string
}

const makeEnv = () => {
  const emails: Array<SentEmail> = []
  const deadLetters: Array<DeadLetter> = []
  const testEnv: Env = {
    ...env,
    EMAIL: {
      send: async (message: EmailMessage) => {
        // miniflare's EmailMessage keeps the raw message under this key; its send_email binding reads it the same way.
        const raw = (message as unknown as Record<string, unknown>)["EmailMessage::raw"]
        emails.push({ from: message.from, to: message.to, raw: typeof raw === "string" ? raw : await new Response(raw as ReadableStream).text() })
        return { messageId: `m${emails.length}` }
      }
    } as unknown as SendEmail,
    NOTIFY_DEAD_LETTERS: { send: async (body: DeadLetter) => void deadLetters.push(body) } as unknown as Queue,
    EMAIL_FROM: "invitations@overlap.test",
    NOTIFY_MAX_RETRIES: "8",
    DM_SENDER_DID: SENDER,
    DM_SENDER_PDS: PDS_ORIGIN,
    DM_SENDER_APP_PASSWORD: "app-pass-word-1234"
  }
  return { testEnv, emails, deadLetters }
}

/** Runs setup and inspection effects over the same real bindings, through the Live layers. */
const run = <A, E>(effect: Effect.Effect<A, E, IcsStore | DeliveriesRepo | WebhookSubscriptionsRepo | TokenVault | OutboundGuard>) => {
  const data = Layer.mergeAll(DeliveriesRepoLive, WebhookSubscriptionsRepoLive).pipe(Layer.provide(D1Live))
  return Effect.runPromise(
    effect.pipe(Effect.provide(Layer.mergeAll(data, IcsStoreLive, TokenVaultLive, developmentOutbound).pipe(Layer.provide(CloudflareEnv.layer(env)))))
  )
}

/** One delivery of a batch to the consumer: which messages were acked, retried, and with what delay. */
const deliver = async (testEnv: Env, messages: ReadonlyArray<{ id: string; attempts: number; body: unknown }>) => {
  const batch = createMessageBatch<unknown>("notify-tasks", messages.map((m) => ({ ...m, timestamp: new Date() })))
  const delays = new Map<string, number | undefined>()
  for (const message of batch.messages) {
    const retry = message.retry.bind(message)
    message.retry = (options) => {
      delays.set(message.id, options?.delaySeconds)
      retry(options)
    }
  }
  const ctx = createExecutionContext()
  await worker.queue(batch, testEnv)
  const result = await getQueueResult(batch, ctx)
  return { acked: [...result.explicitAcks].sort(), retried: result.retryMessages.map((r: { msgId: string }) => r.msgId).sort(), delays }
}

const ledger = async () =>
  (await env.DB.prepare("SELECT channel, target, status, attempts, last_error FROM notify_deliveries ORDER BY channel, target").all()).results

/** The webhook receiver: verifies every delivery with standardwebhooks, as a receiver would, then answers `status`. */
const received: Array<{ headers: Record<string, string>; body: string; payload: unknown }> = []
let webhookSecret = ""
const receive = (status: number, times = 1, headers: Record<string, string> = {}) =>
  fetchMock
    .get(HOOK_ORIGIN)
    .intercept({ path: "/receive", method: "POST" })
    .reply(status, (opts) => {
      const h = opts.headers as Record<string, string>
      const body = String(opts.body)
      received.push({ headers: h, body, payload: new Webhook(webhookSecret).verify(body, h) })
      return ""
    }, { headers })
    .times(times)

const setUp = async (invitations: ReadonlyArray<Invitation> = [confirmInvitation()]) => {
  received.length = 0
  await run(Effect.forEach(invitations, (i) => Effect.flatMap(IcsStore, (s) => s.put(i))))
  const subscription = await run(createSubscription(GUEST, `${HOOK_ORIGIN}/receive`))
  webhookSecret = subscription.secret
  const common = { id: "bk_01HXYZ:1:booking.confirmed", recipientDid: GUEST, event: bookingEvent() }
  const tasks = {
    email: { channel: "email", target: "guest@example.com", ...common } satisfies NotifyTask,
    webhook: { channel: "webhook", target: subscription.id, ...common } satisfies NotifyTask,
    dm: { channel: "dm", target: GUEST, ...common } satisfies NotifyTask
  }
  return { subscription, tasks }
}

// The notify worker looks up both people's names (PeopleNamesLive) at the PLC of the test env: these DIDs are
// unknown there, so messages name them by DID, as the assertions below expect.
const PLC_ORIGIN = env.PLC_URL.replace(/\/+$/, "")

beforeAll(() => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
  fetchMock.get(PLC_ORIGIN).intercept({ path: (p) => p.startsWith("/did:") }).reply(404, "").persist()
})
afterEach(() => expect(fetchMock.pendingInterceptors().filter((i) => i.origin !== PLC_ORIGIN)).toEqual([]))

describe("notify consumer (queue handler, real batches, D1 ledger)", () => {
  it("delivers e-mail with the invitation and a signed webhook; a redelivered batch sends nothing twice", async () => {
    const { testEnv, emails } = makeEnv()
    const { tasks } = await setUp()
    receive(200)
    const first = await deliver(testEnv, [
      { id: "m-email", attempts: 1, body: tasks.email },
      { id: "m-webhook", attempts: 1, body: tasks.webhook }
    ])
    expect(first).toMatchObject({ acked: ["m-email", "m-webhook"], retried: [] })

    // the e-mail: parsed by an independent MIME parser, its calendar part by ical.js
    expect(emails).toHaveLength(1)
    expect(emails[0]).toMatchObject({ from: "invitations@overlap.test", to: "guest@example.com" })
    const mail = await PostalMime.parse(emails[0]!.raw)
    expect(mail.subject).toBe(`Confirmed: Meeting with ${HOST}, Tue 3 Mar 2026, 10:00–10:30 (Europe/Berlin)`)
    expect(mail.text).toContain(`Your meeting with ${HOST} is confirmed`)
    // the iTIP part inside multipart/alternative, and the same file as the invite.ics attachment
    expect(mail.attachments.map((a) => [a.filename, a.mimeType, a.method])).toEqual([
      [null, "text/calendar", "REQUEST"],
      ["invite.ics", "text/calendar", "REQUEST"]
    ])
    const attachment = mail.attachments[1]
    const ics = typeof attachment!.content === "string" ? attachment!.content : new TextDecoder().decode(attachment!.content)
    const calendar = new ICAL.Component(ICAL.parse(ics))
    expect(calendar.getFirstPropertyValue("method")).toBe("REQUEST")
    expect(calendar.getFirstSubcomponent("vevent")!.getFirstPropertyValue("uid")).toBe("bk_01HXYZ@overlap.app")

    // the webhook: verified by standardwebhooks inside the receiver
    expect(received).toHaveLength(1)
    expect(received[0]!.headers["webhook-id"]).toBe("bk_01HXYZ:1:booking.confirmed")
    expect(received[0]!.payload).toMatchObject({ type: "booking.confirmed", data: { bookingId: "bk_01HXYZ", recipientDid: GUEST } })

    // the same messages again (the queue redelivers): acked, nothing sent (no interceptor is left to answer)
    const again = await deliver(testEnv, [
      { id: "m-email", attempts: 2, body: tasks.email },
      { id: "m-webhook", attempts: 2, body: tasks.webhook }
    ])
    expect(again).toMatchObject({ acked: ["m-email", "m-webhook"], retried: [] })
    expect(emails).toHaveLength(1)
    expect(received).toHaveLength(1)
    expect(await ledger()).toEqual([
      { channel: "email", target: "guest@example.com", status: "delivered", attempts: 1, last_error: null },
      { channel: "webhook", target: tasks.webhook.target, status: "delivered", attempts: 1, last_error: null }
    ])
  })

  it("retries a failing webhook with backoff, then succeeds; the e-mail in the same batch is not held back", async () => {
    const { testEnv, emails } = makeEnv()
    const { tasks } = await setUp()
    receive(503, 1, { "retry-after": "90" })
    const first = await deliver(testEnv, [
      { id: "m-email", attempts: 1, body: tasks.email },
      { id: "m-webhook", attempts: 1, body: tasks.webhook }
    ])
    expect(first).toMatchObject({ acked: ["m-email"], retried: ["m-webhook"] })
    expect(first.delays.get("m-webhook")).toBe(90) // Retry-After beats the first backoff step (30 s)
    expect(emails).toHaveLength(1)
    expect(await ledger()).toContainEqual(expect.objectContaining({ channel: "webhook", status: "failed", attempts: 1, last_error: "webhook: HTTP 503" }))

    receive(200)
    const second = await deliver(testEnv, [{ id: "m-webhook", attempts: 2, body: tasks.webhook }])
    expect(second).toMatchObject({ acked: ["m-webhook"], retried: [] })
    expect(received).toHaveLength(2) // both attempts were correctly signed
    expect(Number(received[1]!.headers["webhook-timestamp"])).toBeGreaterThanOrEqual(Number(received[0]!.headers["webhook-timestamp"]))
    expect(await ledger()).toContainEqual(expect.objectContaining({ channel: "webhook", status: "delivered", attempts: 2, last_error: null }))
  })

  it("dead-letters after the maximum: 1 + max_retries deliveries, exponential delays, then the last error in the DLQ", async () => {
    const { testEnv, deadLetters } = makeEnv()
    const { tasks } = await setUp()
    receive(500, 9)
    const delays: Array<number | undefined> = []
    for (let attempt = 1; attempt <= 8; attempt++) {
      const result = await deliver(testEnv, [{ id: "m-webhook", attempts: attempt, body: tasks.webhook }])
      expect(result, `attempt ${attempt}`).toMatchObject({ acked: [], retried: ["m-webhook"] })
      delays.push(result.delays.get("m-webhook"))
    }
    expect(delays).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffSeconds(a)))
    expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600])
    expect(deadLetters).toEqual([])

    const last = await deliver(testEnv, [{ id: "m-webhook", attempts: 9, body: tasks.webhook }])
    expect(last).toMatchObject({ acked: ["m-webhook"], retried: [] })
    expect(deadLetters).toEqual([
      { reason: "delivery-failed", messageId: "m-webhook", attempts: 9, error: "webhook: HTTP 500", body: tasks.webhook }
    ])
    expect(await ledger()).toEqual([
      { channel: "webhook", target: tasks.webhook.target, status: "dead", attempts: 9, last_error: "webhook: HTTP 500" }
    ])
    expect(received).toHaveLength(9)

    // a straggling copy of the same delivery is acked without another attempt
    expect(await deliver(testEnv, [{ id: "m-copy", attempts: 1, body: tasks.webhook }])).toMatchObject({ acked: ["m-copy"] })
    expect(received).toHaveLength(9)
  })

  it("a permanent failure (404) is dead-lettered at once", async () => {
    const { testEnv, deadLetters } = makeEnv()
    const { tasks } = await setUp()
    receive(404)
    expect(await deliver(testEnv, [{ id: "m-webhook", attempts: 1, body: tasks.webhook }])).toMatchObject({ acked: ["m-webhook"], retried: [] })
    expect(deadLetters).toMatchObject([{ reason: "delivery-failed", attempts: 1, error: "webhook: HTTP 404" }])
  })

  it("a poison message is logged and dead-lettered at once, never retried, and the rest of the batch goes on", async () => {
    const { testEnv, deadLetters, emails } = makeEnv()
    const { tasks } = await setUp()
    const result = await deliver(testEnv, [
      { id: "m-junk", attempts: 1, body: "not a task" },
      { id: "m-bad-email", attempts: 1, body: { ...tasks.email, target: "not an address" } },
      { id: "m-email", attempts: 1, body: tasks.email }
    ])
    expect(result).toMatchObject({ acked: ["m-bad-email", "m-email", "m-junk"], retried: [] })
    expect(deadLetters.map((l) => [l.messageId, l.reason])).toEqual(
      expect.arrayContaining([["m-junk", "undecodable"], ["m-bad-email", "undecodable"]])
    )
    expect(deadLetters.find((l) => l.messageId === "m-bad-email")!.error).toMatch(/target/)
    expect(emails).toHaveLength(1)
  })

  it("without a bound dead-letter queue, a message it gives up on is retried so that the runtime's DLQ takes it", async () => {
    const { testEnv } = makeEnv()
    const result = await deliver({ ...testEnv, NOTIFY_DEAD_LETTERS: undefined }, [{ id: "m-junk", attempts: 1, body: 42 }])
    expect(result).toMatchObject({ acked: [], retried: ["m-junk"] })
  })

  it("a cancel e-mail carries METHOD:CANCEL with STATUS:CANCELLED", async () => {
    const { testEnv, emails } = makeEnv()
    const { tasks } = await setUp([confirmInvitation({ sequence: 2, method: "CANCEL" })])
    const cancel = {
      ...tasks.email,
      id: "bk_01HXYZ:2:booking.canceled",
      event: bookingEvent({ type: "booking.canceled", sequence: 2, icsKey: "ics/bk_01HXYZ/2.ics", reason: "Something came up" })
    }
    expect(await deliver(testEnv, [{ id: "m-cancel", attempts: 1, body: cancel }])).toMatchObject({ acked: ["m-cancel"] })
    const mail = await PostalMime.parse(emails[0]!.raw)
    expect(mail.subject).toMatch(/^Canceled: /)
    expect(mail.text).toContain("Reason given: Something came up")
    const [attachment] = mail.attachments
    expect(attachment).toMatchObject({ mimeType: "text/calendar", method: "CANCEL" })
    const ics = typeof attachment!.content === "string" ? attachment!.content : new TextDecoder().decode(attachment!.content)
    const event = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent("vevent")!
    expect(event.getFirstPropertyValue("status")).toBe("CANCELLED")
    expect(event.getFirstPropertyValue("sequence")).toBe(2)
  })

  it("sends a Bluesky DM through the sender's PDS with the atproto-proxy header", async () => {
    const { testEnv } = makeEnv()
    const { tasks } = await setUp()
    const pds = fetchMock.get(PDS_ORIGIN)
    const calls: Array<{ path: string; headers: Record<string, string>; body: string }> = []
    const record = (status: number, json: unknown) => (opts: { path: string; headers?: unknown; body?: unknown }) => {
      calls.push({ path: opts.path, headers: opts.headers as Record<string, string>, body: String(opts.body ?? "") })
      return { statusCode: status, data: JSON.stringify(json), responseOptions: { headers: { "content-type": "application/json" } } }
    }
    pds.intercept({ path: "/xrpc/com.atproto.server.createSession", method: "POST" })
      .reply(record(200, { did: SENDER, accessJwt: "jwt-1", refreshJwt: "r", handle: "overlap.test" }))
    pds.intercept({ path: (p) => p.startsWith("/xrpc/chat.bsky.convo.getConvoForMembers?"), method: "GET" })
      .reply(record(200, { convo: { id: "convo-1" } }))
    pds.intercept({ path: "/xrpc/chat.bsky.convo.sendMessage", method: "POST" }).reply(record(200, { id: "msg-1" }))

    // DMs about bookings are opt-in: the guest turns them on in their preferences
    await Effect.runPromise(Effect.flatMap(NotifySettings, (s) => s.putPreferences(GUEST, { ...DEFAULT_PREFERENCES, dm: { enabled: true, kinds: ALL_KINDS } })).pipe(
      Effect.provide(NotifySettingsLive.pipe(Layer.provide(Layer.mergeAll(D1Live, TokenVaultLive)), Layer.provide(CloudflareEnv.layer(env))))
    ))
    expect(await deliver(testEnv, [{ id: "m-dm", attempts: 1, body: tasks.dm }])).toMatchObject({ acked: ["m-dm"] })
    expect(calls.map((c) => c.path.split("?")[0])).toEqual([
      "/xrpc/com.atproto.server.createSession",
      "/xrpc/chat.bsky.convo.getConvoForMembers",
      "/xrpc/chat.bsky.convo.sendMessage"
    ])
    expect(new URL(calls[1]!.path, PDS_ORIGIN).searchParams.getAll("members")).toEqual([SENDER, GUEST])
    for (const call of calls.slice(1)) {
      expect(call.headers["atproto-proxy"]).toBe("did:web:api.bsky.chat#bsky_chat")
      expect(call.headers.authorization).toBe("Bearer jwt-1")
    }
    expect(JSON.parse(calls[2]!.body)).toEqual({ convoId: "convo-1", message: { text: expect.stringContaining("is confirmed") } })
    // the same signed links as the e-mail, as many as fit a DM's 1000 characters: the meeting's page and cancel
    const text: string = JSON.parse(calls[2]!.body).message.text
    expect([...text].length).toBeLessThanOrEqual(1000)
    expect(text).toContain("/act/view?did=")
    expect(text).toContain("/act/cancel?did=")
    expect(text).not.toMatch(/\/act\/(confirm|decline|unsubscribe)\?/)
    // redelivered: nothing is sent again (no interceptor is left for it: a call would fail the test)
    expect(await deliver(testEnv, [{ id: "m-dm", attempts: 2, body: tasks.dm }])).toMatchObject({ acked: ["m-dm"] })
    expect(calls).toHaveLength(3)
  })
})

describe("DeliveriesRepo (Live, D1)", () => {
  it("of concurrent claims on one delivery exactly one wins", async () => {
    const key = { notificationId: "n1", channel: "email" as const, target: "a@example.com" }
    const results = await run(Effect.flatMap(DeliveriesRepo, (repo) =>
      Effect.all([repo.claim(key, 60_000), repo.claim(key, 60_000), repo.claim(key, 60_000)], { concurrency: "unbounded" })))
    expect(results.map((r) => r._tag).sort()).toEqual(["Busy", "Busy", "Claimed"])
    await run(Effect.flatMap(DeliveriesRepo, (repo) => repo.markDelivered(key)))
    const after = await run(Effect.flatMap(DeliveriesRepo, (repo) => repo.claim(key, 60_000)))
    expect(after._tag).toBe("AlreadyDelivered")
  })
})
