import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { Webhook, WebhookVerificationError } from "standardwebhooks"
import { generateWebhookSecret, signWebhook } from "../../src/domain/notify/standardWebhooks"
import type { NotifyTask } from "../../src/domain/notify/task"
import { checkWebhookUrl } from "../../src/domain/notify/webhookUrl"
import { TokenVaultTest } from "../../src/adapters/memory/TokenVaultTest"
import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import { webhookChannelLayer } from "../../src/adapters/channels/WebhookChannelLive"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { WebhookChannel } from "../../src/services/NotifyChannels"
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions
} from "../../src/services/WebhookSubscriptions"
import { MAX_SUBSCRIPTIONS_PER_DID, WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"
import { bookingEvent, GUEST, HOST } from "./fixtures"
import { subscriptionSuite } from "./subscriptionSuite"
import { type Reply, startStandIn } from "./httpStandIn"

describe("Standard Webhooks signatures", () => {
  it("a signature made with WebCrypto verifies with the standardwebhooks library", async () => {
    const secret = generateWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const body = JSON.stringify({ type: "booking.confirmed", data: { bookingId: "b1" } })
    const headers = await signWebhook(secret, "msg_1", Math.floor(Date.now() / 1000), body)
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body))
    // what a receiver must refuse: another body, another id, another secret, an old timestamp
    expect(() => new Webhook(secret).verify(body + " ", { ...headers })).toThrow(WebhookVerificationError)
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow(WebhookVerificationError)
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError)
    const old = await signWebhook(secret, "msg_1", Math.floor(Date.now() / 1000) - 3600, body)
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(WebhookVerificationError)
  })
})

describe("webhook URLs", () => {
  const strict = { allowInsecure: false }
  it("accepts https on a public host name and refuses the rest", () => {
    expect(checkWebhookUrl("https://hooks.example.com/overlap?x=1", strict)).toEqual(Either.right("https://hooks.example.com/overlap?x=1"))
    for (const url of [
      "http://hooks.example.com/x",
      "https://user:pw@hooks.example.com/x",
      "https://127.0.0.1/x",
      "https://[::1]/x",
      "https://localhost/x",
      "https://printer.local/x",
      "https://intranet/x",
      "https://hooks.example.com/x#frag",
      "not a url",
      `https://hooks.example.com/${"a".repeat(2100)}`
    ]) expect(Either.isLeft(checkWebhookUrl(url, strict)), url).toBe(true)
    expect(Either.isRight(checkWebhookUrl("http://127.0.0.1:8080/x", { allowInsecure: true }))).toBe(true)
  })
})

subscriptionSuite("webhook subscriptions (Test layers)", () => Layer.merge(WebhookSubscriptionsRepoTest, TokenVaultTest))

describe("WebhookChannel (Live) against a local receiver that verifies like a real one", () => {
  let replies: Array<Reply> = []
  let secret = ""
  const verified: Array<unknown> = []
  let receiver: Awaited<ReturnType<typeof startStandIn>>

  beforeAll(async () => {
    receiver = await startStandIn((seen) => {
      const reply = replies.shift() ?? { status: 204 }
      if (reply.status < 300) verified.push(new Webhook(secret).verify(seen.body, seen.headers)) // throws → 599
      return reply
    })
  })
  afterAll(() => receiver.close())

  const task = (subscriptionId: string, recipientDid = HOST): NotifyTask => ({
    channel: "webhook",
    id: "bk_01HXYZ:1:booking.confirmed",
    target: subscriptionId,
    recipientDid,
    event: bookingEvent()
  })

  /** A fresh store and channel per test, with one subscription of HOST pointing at the receiver. */
  const setUp = (script: Array<Reply>) =>
    Effect.gen(function*() {
      replies = [...script]
      verified.length = 0
      receiver.seen.length = 0
      const created = yield* createSubscription(HOST, `${receiver.url}/hook`, { allowInsecure: true })
      secret = created.secret
      return created.id
    })
  // the receiver listens on 127.0.0.1: the outbound guard in its development setting lets loopback through
  const layer = () =>
    webhookChannelLayer({ timeoutMs: 300 }).pipe(
      Layer.provideMerge(Layer.mergeAll(WebhookSubscriptionsRepoTest, TokenVaultTest, makeOutboundGuardTest({}, { development: true, allowedPorts: [] })))
    )
  const send = (t: NotifyTask) => Effect.flatMap(WebhookChannel, (c) => c.send(t as Extract<NotifyTask, { channel: "webhook" }>))

  it.live("a target whose name resolves to a private address by now is not called at send time (permanent failure)", () => {
    const dns: Record<string, ReadonlyArray<string>> = { "rebound.example.com": ["93.184.215.14"] }
    const guarded = webhookChannelLayer({ timeoutMs: 300 }).pipe(
      Layer.provideMerge(Layer.mergeAll(WebhookSubscriptionsRepoTest, TokenVaultTest, makeOutboundGuardTest(dns)))
    )
    return Effect.gen(function*() {
      const created = yield* createSubscription(HOST, "https://rebound.example.com/hook")
      dns["rebound.example.com"] = ["93.184.215.14", "127.0.0.1"] // DNS rebinding after registration
      const failed = yield* Effect.flip(send(task(created.id)))
      expect(failed).toMatchObject({ _tag: "SendFailed", retryable: false })
      expect(failed.reason).toContain("private or reserved address")
      dns["rebound.example.com"] = []
      const unresolved = yield* Effect.flip(send(task(created.id)))
      expect(unresolved).toMatchObject({ _tag: "SendFailed", retryable: false })
    }).pipe(Effect.provide(guarded))
  })

  it.live("POSTs a signed { type, timestamp, data } body that standardwebhooks verifies", () =>
    Effect.gen(function*() {
      const id = yield* setUp([{ status: 200 }])
      expect(yield* send(task(id))).toBe("sent")
      expect(receiver.seen).toHaveLength(1)
      const [request] = receiver.seen
      expect(request!.method).toBe("POST")
      expect(request!.headers["content-type"]).toBe("application/json")
      expect(request!.headers["webhook-id"]).toBe("bk_01HXYZ:1:booking.confirmed")
      expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
      expect(verified).toEqual([{
        type: "booking.confirmed",
        timestamp: expect.any(String),
        data: expect.objectContaining({
          notificationId: "bk_01HXYZ:1:booking.confirmed",
          bookingId: "bk_01HXYZ",
          sequence: 1,
          start: "2026-03-03T09:00:00.000Z",
          end: "2026-03-03T09:30:00.000Z",
          tz: "Europe/Berlin"
        })
      }])
    }).pipe(Effect.provide(layer())))

  it.live("5xx and 429 are retryable (with Retry-After), a timeout is retryable, other 4xx are permanent", () =>
    Effect.gen(function*() {
      const id = yield* setUp([
        { status: 503 },
        { status: 429, headers: { "retry-after": "120" } },
        { status: 200, delayMs: 2000 },
        { status: 400, body: JSON.stringify({ error: "Nope" }) }
      ])
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ _tag: "SendFailed", retryable: true, reason: "webhook: HTTP 503" })
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ retryable: true, retryAfterSeconds: 120 })
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ retryable: true, reason: expect.stringMatching(/timed out/) })
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ retryable: false, reason: "webhook: HTTP 400 Nope" })
    }).pipe(Effect.provide(layer())))

  it.live("an error body that trickles is read for the channel's timeout only; the failure is still classified by status", () =>
    Effect.gen(function*() {
      const id = yield* setUp([
        { status: 503, body: JSON.stringify({ error: "Slow" }), bodyDelayMs: 15_000 },
        { status: 400, body: JSON.stringify({ error: "Nope", padding: "x".repeat(256 * 1024) }) }
      ])
      const started = Date.now()
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ _tag: "SendFailed", retryable: true, reason: "webhook: HTTP 503" })
      expect(Date.now() - started).toBeLessThan(5_000)
      // Past MAX_ERROR_BODY_BYTES the body names no error; the status still decides.
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ retryable: false, reason: "webhook: HTTP 400" })
    }).pipe(Effect.provide(layer())), 20_000)

  it.live("410 Gone disables the subscription; disabled, deleted or foreign subscriptions are skipped", () =>
    Effect.gen(function*() {
      const id = yield* setUp([{ status: 410 }])
      expect(yield* Effect.flip(send(task(id)))).toMatchObject({ retryable: false })
      const repo = yield* WebhookSubscriptionsRepo
      expect(Option.getOrThrow(yield* repo.get(id)).disabledAt).not.toBeNull()
      expect(yield* send(task(id))).toBe("skipped")
      expect(yield* send(task("wh_missing"))).toBe("skipped")
      const other = yield* setUp([])
      expect(yield* send(task(other, GUEST))).toBe("skipped") // HOST's subscription never gets GUEST's notifications
      expect(receiver.seen).toHaveLength(0)
    }).pipe(Effect.provide(layer())))
})
