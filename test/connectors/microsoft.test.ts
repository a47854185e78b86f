import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach } from "vitest"
import { handleGraphNotification } from "../../src/features/push/GraphSubscription"
import { pushChannelToken } from "../../src/features/push/pushSecret"
import type { CalendarChanged } from "../../src/domain/calendar/calendarTask"
import { createGraphSubscription, deleteGraphSubscription, GRAPH_EVENT_SUBSCRIPTION_MAX_MS, renewGraphSubscription } from "../../src/adapters/providers/microsoft/GraphPush"
import { BOOKING_ID_PROPERTY_ID, makeGraphApi, makeMicrosoftCalendar } from "../../src/adapters/providers/microsoft/MicrosoftCalendar"
import { graphMailboxAddress } from "../../src/adapters/providers/ProviderAccounts"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { makeOAuthClientLive } from "../../src/adapters/providers/OAuthClientLive"
import { PushChannelsTest } from "../../src/adapters/memory/PushChannelsTest"
import { makeMicrosoftAdapter } from "../../src/adapters/providers/microsoft/MicrosoftAdapter"
import { Connector } from "../../src/services/ConnectorsRepo"
import { OAuthClient } from "../../src/services/OAuthClient"
import { PushChannels } from "../../src/services/PushChannels"
import { connectorEnv, memoryKv, startWebhookServer, tokenGetter } from "../support/connectorEnv"
import { type FakeGraph, MICROSOFT_CLIENT, startFakeGraph } from "../support/fakeGraph"

const DAY = 86_400_000
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 2, 2)

let graph: FakeGraph

beforeEach(async () => {
  graph = await startFakeGraph()
})
afterEach(async () => {
  expect(graph.malformed).toEqual([])
  await graph.close()
})

const oauthLayer = () =>
  makeOAuthClientLive().pipe(
    Layer.provide(CloudflareEnv.layer(connectorEnv({
      SESSION_NONCES: memoryKv(),
      PUBLIC_URL: "https://overlap.test",
      MICROSOFT_CLIENT_ID: MICROSOFT_CLIENT.id,
      MICROSOFT_CLIENT_SECRET: MICROSOFT_CLIENT.secret,
      MICROSOFT_LOGIN_BASE: `${graph.url}/common`
    }))),
    Layer.provide(FetchHttpClient.layer)
  )

const run = <A, E>(effect: Effect.Effect<A, E, OAuthClient | HttpClient.HttpClient>) =>
  effect.pipe(Effect.provide(Layer.merge(oauthLayer(), FetchHttpClient.layer)))

const setup = (schedules: ReadonlyArray<string> = [graph.userAddress]) =>
  Effect.gen(function* () {
    const oauth = yield* OAuthClient
    const tokens = tokenGetter(graph.issueTokens(), (rt) => oauth.refresh("microsoft", rt, "conn-m1"))
    const options = { connectorId: "conn-m1", getAccessToken: tokens.get, apiBase: `${graph.url}/v1.0`, rateLimitFallbackMs: 20_000 }
    const calendar = yield* makeMicrosoftCalendar({ ...options, schedules })
    const api = yield* makeGraphApi(options)
    return { calendar, tokens, api }
  })

const hold = (bookingId: string, start: number, end: number) => ({ bookingId, start, end, tz: "America/New_York", summary: "Overlap: meeting (held)" })

describe("Microsoft Graph backend", () => {
  it.effect("the owner's choice (connector.setCalendars): the mailbox calendar unticked blocks nothing and is not asked", () =>
    run(Effect.gen(function* () {
      graph.addBusy(graph.userAddress, T0 + 9 * HOUR, T0 + 10 * HOUR, "busy")
      const oauth = yield* OAuthClient
      const tokens = tokenGetter(graph.issueTokens(), (rt) => oauth.refresh("microsoft", rt, "conn-m1"))
      const rowWith = (checkBusy: boolean) => new Connector({
        id: "conn-m1", did: "did:plc:graphchoice", provider: "microsoft", status: "active", accountRef: graph.userAddress,
        tokenCiphertext: null, keyId: null, tokenExpiresAt: null, holdsTarget: true, lastSyncAt: null, warning: null, createdAt: T0, updatedAt: T0,
        calendars: [{ id: "calendar", name: "Calendar", primary: true, checkBusy }]
      })
      const open = (checkBusy: boolean) => Effect.flatMap(HttpClient.HttpClient, (http) =>
        makeMicrosoftAdapter({ apiBase: `${graph.url}/v1.0` }).open({ row: rowWith(checkBusy), http, accessToken: tokens.get, credential: Effect.succeed("") }))
      const range = { start: T0, end: T0 + DAY }
      expect(yield* Effect.flatMap(open(true), (c) => c.busy(range))).toEqual([{ start: T0 + 9 * HOUR, end: T0 + 10 * HOUR }])
      const asked = graph.calls(/getSchedule$/).length
      expect(yield* Effect.flatMap(open(false), (c) => c.busy(range))).toEqual([])
      expect(graph.calls(/getSchedule$/)).toHaveLength(asked)
    })))

  it.effect("busy: getSchedule per < 62-day window and ≤ 20 schedules; busy/tentative/oof/workingElsewhere count, free does not", () =>
    run(Effect.gen(function* () {
      const others = Array.from({ length: 24 }, (_, i) => `room${i}@contoso.com`)
      for (const address of others) graph.addMailbox(address)
      const me = graph.userAddress
      graph.addBusy(me, T0 + 9 * HOUR, T0 + 10 * HOUR, "busy")
      graph.addBusy(me, T0 + 10 * HOUR, T0 + 11 * HOUR, "tentative") // touches → merges
      graph.addBusy(others[23]!, T0 + DAY, T0 + DAY + HOUR, "oof")
      graph.addBusy(others[0]!, T0 + 2 * DAY, T0 + 2 * DAY + HOUR, "workingElsewhere")
      graph.addBusy(me, T0 + 3 * DAY, T0 + 3 * DAY + HOUR, "free")
      graph.addBusy(me, T0 + 60 * DAY, T0 + 63 * DAY, "busy") // crosses the first window boundary (61 days)

      const { calendar } = yield* setup([me, ...others])
      const busy = yield* calendar.busy({ start: T0, end: T0 + 130 * DAY })
      expect(busy).toEqual([
        { start: T0 + 9 * HOUR, end: T0 + 11 * HOUR },
        { start: T0 + DAY, end: T0 + DAY + HOUR },
        { start: T0 + 2 * DAY, end: T0 + 2 * DAY + HOUR },
        { start: T0 + 60 * DAY, end: T0 + 63 * DAY }
      ])
      const calls = graph.calls(/getSchedule$/)
      expect(calls).toHaveLength(3 * 2) // windows 61 + 61 + 8 days × (20 + 5 schedules)
      for (const call of calls) {
        const body = JSON.parse(call.body)
        expect(body.schedules.length).toBeLessThanOrEqual(20)
        expect(Date.parse(`${body.endTime.dateTime}Z`) - Date.parse(`${body.startTime.dateTime}Z`)).toBeLessThan(62 * DAY)
        expect(body.startTime.timeZone).toBe("UTC")
        expect(call.headers.prefer).toBe('outlook.timezone="UTC"')
      }
    })))

  it.effect("busy: a schedule without items (free/busy-only access) falls back to the availability view", () =>
    run(Effect.gen(function* () {
      graph.addMailbox("boss@contoso.com")
      graph.mailboxes.get("boss@contoso.com")!.hideItems = true
      graph.addBusy("boss@contoso.com", T0 + 9 * HOUR + 10 * 60_000, T0 + 9 * HOUR + 40 * 60_000, "busy")
      const { calendar } = yield* setup(["boss@contoso.com"])
      // coarse (15-minute slots), never narrower than the truth
      expect(yield* calendar.busy({ start: T0, end: T0 + DAY })).toEqual([{ start: T0 + 9 * HOUR, end: T0 + 9 * HOUR + 45 * 60_000 }])
    })))

  it.effect("busy: an unknown mailbox breaks the connector", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup(["nobody@contoso.com"])
      expect(yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))).toMatchObject({ _tag: "ConnectorBroken", provider: "microsoft" })
    })))

  it.effect("holds: place (showAs tentative, transactionId, extended property) → confirm (busy) → move → release", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      const start = T0 + DAY + 15 * HOUR
      const ref = yield* calendar.placeHold(hold("bk-m1", start, start + HOUR))
      const placed = graph.events.get(ref.eventId)!
      expect(placed).toMatchObject({ showAs: "tentative", start, end: start + HOUR, transactionId: "overlap-bk-m1", isReminderOn: false })
      expect(placed.extended[BOOKING_ID_PROPERTY_ID]).toBe("bk-m1")
      // written in the hold's own zone: 15:00 UTC is 10:00 in New York (EST)
      const created = JSON.parse(graph.calls(/\/me\/calendar\/events$/, "POST")[0]!.body)
      expect(created.start).toEqual({ dateTime: "2026-03-03T10:00:00", timeZone: "America/New_York" })
      expect(yield* calendar.busy({ start: T0, end: T0 + 3 * DAY })).toEqual([{ start, end: start + HOUR }])

      yield* calendar.confirmHold(ref)
      expect(graph.events.get(ref.eventId)!.showAs).toBe("busy")
      const moved = yield* calendar.moveHold(ref, { start: start + 2 * HOUR, end: start + 3 * HOUR })
      expect(graph.events.get(ref.eventId)).toMatchObject({ start: start + 2 * HOUR, end: start + 3 * HOUR, showAs: "busy" })

      yield* calendar.releaseHold(moved)
      expect(graph.events.has(ref.eventId)).toBe(false)
      yield* calendar.releaseHold(moved) // 404: already gone is success
      expect((yield* Effect.flip(calendar.confirmHold(moved)))._tag).toBe("HoldGone")
      expect((yield* Effect.flip(calendar.moveHold(moved, { start, end: start + HOUR })))._tag).toBe("HoldGone")
    })))

  it.effect("holds: placing twice is one event (Graph dedupes the transactionId)", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      const a = yield* calendar.placeHold(hold("bk-m2", T0 + HOUR, T0 + 2 * HOUR))
      const b = yield* calendar.placeHold(hold("bk-m2", T0 + HOUR, T0 + 2 * HOUR))
      expect(b.eventId).toBe(a.eventId)
      expect(graph.events.size).toBe(1)
    })))

  it.effect("401 → refresh once (the refresh token rotates) → success; the old refresh token is dead", () =>
    run(Effect.gen(function* () {
      const { calendar, tokens } = yield* setup()
      const oldRefresh = tokens.state.refreshToken
      graph.expireAccessToken(tokens.state.accessToken)
      yield* calendar.placeHold(hold("bk-m3", T0, T0 + HOUR))
      expect(tokens.state.refreshes).toBe(1)
      expect(tokens.state.refreshToken).not.toBe(oldRefresh)
      expect(graph.refreshTokens.has(oldRefresh)).toBe(false)
      expect(graph.refreshTokens.has(tokens.state.refreshToken)).toBe(true)
      const refresh = new URLSearchParams(graph.calls(/oauth2\/v2.0\/token$/)[0]!.body)
      expect(refresh.get("grant_type")).toBe("refresh_token")
      expect(refresh.get("scope")).toBe("offline_access Calendars.ReadWrite")
    })))

  it.effect("401 with a dead refresh token (invalid_grant, AADSTS70000) → ConnectorBroken", () =>
    run(Effect.gen(function* () {
      const { calendar, tokens } = yield* setup()
      graph.expireAccessToken(tokens.state.accessToken)
      graph.revokeRefreshToken(tokens.state.refreshToken)
      expect(yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))).toMatchObject({ _tag: "ConnectorBroken", reason: "invalid_grant" })
    })))

  it.effect("429 with Retry-After → ProviderRateLimited with that delay", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      graph.throttleNext(/getSchedule$/, "3")
      expect(yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))).toMatchObject({ _tag: "ProviderRateLimited", provider: "microsoft", retryAfterMs: 3000 })
      graph.throttleNext(/\/events$/)
      expect(yield* Effect.flip(calendar.placeHold(hold("bk-m4", T0, T0 + HOUR)))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 20_000 })
      expect(graph.events.size).toBe(0)
    })))

  it.effect("never more than 4 requests in flight against the mailbox", () =>
    run(Effect.gen(function* () {
      const others = Array.from({ length: 39 }, (_, i) => `person${i}@contoso.com`)
      for (const address of others) graph.addMailbox(address)
      graph.apiDelayMs = 40
      const { calendar } = yield* setup([graph.userAddress, ...others])
      // 2 batches × 5 windows = 10 calls, plus 3 holds at once
      yield* Effect.all([
        calendar.busy({ start: T0, end: T0 + 300 * DAY }),
        calendar.placeHold(hold("bk-c1", T0, T0 + HOUR)),
        calendar.placeHold(hold("bk-c2", T0, T0 + HOUR)),
        calendar.placeHold(hold("bk-c3", T0, T0 + HOUR))
      ], { concurrency: "unbounded" })
      expect(graph.calls(/getSchedule$/)).toHaveLength(10)
      expect(graph.apiConcurrency.max).toBe(4)
    })))

  it.effect("the mailbox address comes from the default calendar's owner", () =>
    run(Effect.gen(function* () {
      const { api } = yield* setup()
      expect(yield* graphMailboxAddress(api)).toBe(graph.userAddress)
    })))
})

describe("Microsoft Graph subscriptions", () => {
  const SECRET = "push-secret-for-tests"

  it.effect("create (validation handshake against our handler) → notifications checked by clientState → messages; renew; delete", () =>
    Effect.gen(function* () {
      const channels = yield* PushChannels
      const sent: Array<CalendarChanged> = []
      const deps = { secret: SECRET, findChannel: channels.find, enqueue: (m: CalendarChanged) => Effect.sync(() => void sent.push(m)) }
      const webhooks = yield* Effect.acquireRelease(
        Effect.promise(() => startWebhookServer((request) => Effect.runPromise(handleGraphNotification(request, deps)))),
        (server) => Effect.promise(() => server.close())
      )
      const { api } = yield* setup()
      const clientState = yield* Effect.promise(() => pushChannelToken(SECRET, "microsoft", "conn-m1"))
      const created = yield* createGraphSubscription(api, {
        resource: "me/events",
        notificationUrl: `${webhooks.url}/graph/notifications`,
        lifecycleNotificationUrl: `${webhooks.url}/graph/lifecycle`,
        clientState,
        expiresAt: Date.now() + GRAPH_EVENT_SUBSCRIPTION_MAX_MS - 60_000
      })
      expect(graph.subscriptions.get(created.subscriptionId)?.clientState).toBe(clientState)
      yield* channels.put({ provider: "microsoft", channelId: created.subscriptionId, connectorId: "conn-m1", did: "did:plc:alice", calendarId: "me/events", expiresAt: created.expiresAt, createdAt: Date.now() })

      expect(yield* Effect.promise(() => graph.notify(created.subscriptionId, "updated", "AAMkEvent1="))).toBe(202)
      expect(sent).toHaveLength(1)
      expect(sent[0]).toMatchObject({ kind: "calendar-changed", did: "did:plc:alice", connectorId: "conn-m1", provider: "microsoft" })
      expect(sent[0]!.idempotencyKey).toMatch(new RegExp(`^microsoft:${created.subscriptionId}:[0-9a-f]{64}$`))
      // the same notification again has the same key (a redelivery is harmless downstream)
      expect(yield* Effect.promise(() => graph.notify(created.subscriptionId, "updated", "AAMkEvent1="))).toBe(202)
      expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey)
      // a wrong clientState is refused and produces nothing
      expect(yield* Effect.promise(() => graph.notify(created.subscriptionId, "updated", "AAMkEvent2=", "not-the-secret"))).toBe(403)
      expect(sent).toHaveLength(2)

      const renewed = yield* renewGraphSubscription(api, created.subscriptionId, Date.now() + 2 * DAY)
      expect(graph.subscriptions.get(created.subscriptionId)!.expiration).toBe(renewed.expiresAt)
      expect(JSON.parse(graph.calls(/\/subscriptions\//, "PATCH")[0]!.body)).toEqual({ expirationDateTime: new Date(renewed.expiresAt).toISOString() })

      yield* deleteGraphSubscription(api, created.subscriptionId)
      expect(graph.subscriptions.size).toBe(0)
      expect((yield* Effect.flip(renewGraphSubscription(api, created.subscriptionId, Date.now() + DAY)))._tag).toBe("PushChannelGone")
      yield* deleteGraphSubscription(api, created.subscriptionId) // already gone is fine
    }).pipe(Effect.scoped, Effect.provide(PushChannelsTest), run))

  it.effect("a notification URL that does not echo the validation token makes Graph refuse the subscription", () =>
    Effect.gen(function* () {
      const webhooks = yield* Effect.acquireRelease(
        Effect.promise(() => startWebhookServer(async () => new Response("nope", { status: 200, headers: { "content-type": "text/plain" } }))),
        (server) => Effect.promise(() => server.close())
      )
      const { api } = yield* setup()
      const error = yield* Effect.flip(createGraphSubscription(api, { resource: "me/events", notificationUrl: webhooks.url, clientState: "x", expiresAt: Date.now() + DAY }))
      expect(error).toMatchObject({ _tag: "ProviderRejected", status: 400 })
    }).pipe(Effect.scoped, run))

  it.effect("handler: validationToken echoed as text/plain at once; bad bodies and unknown subscriptions refused", () =>
    Effect.gen(function* () {
      const channels = yield* PushChannels
      const sent: Array<CalendarChanged> = []
      const deps = { secret: SECRET, findChannel: channels.find, enqueue: (m: CalendarChanged) => Effect.sync(() => void sent.push(m)) }
      const token = "Validation: Testing client application reachability for subscription Request-Id: 4c2b-<script>"
      const echo = yield* handleGraphNotification(new Request(`https://webhooks.test/graph?validationToken=${encodeURIComponent(token)}`, { method: "POST", headers: { "content-type": "text/plain" } }), deps)
      expect(echo.status).toBe(200)
      expect(echo.headers.get("content-type")).toMatch(/^text\/plain/)
      expect(yield* Effect.promise(() => echo.text())).toBe(token)
      // the echo does not depend on the secret being configured
      expect((yield* handleGraphNotification(new Request("https://webhooks.test/graph?validationToken=abc", { method: "POST" }), { ...deps, secret: undefined })).status).toBe(200)

      const post = (body: string) => new Request("https://webhooks.test/graph", { method: "POST", headers: { "content-type": "application/json" }, body })
      expect((yield* handleGraphNotification(post("not json"), deps)).status).toBe(400)
      expect((yield* handleGraphNotification(post(JSON.stringify({ value: [{ subscriptionId: "unknown", clientState: "x", changeType: "updated" }] })), deps)).status).toBe(403)
      expect(sent).toEqual([])
    }).pipe(Effect.provide(PushChannelsTest)))

  it.live("handler: a post is bounded — body size 413, slow body 408, items and subscriptions 400, one lookup per subscription", () =>
    Effect.gen(function* () {
      const channels = yield* PushChannels
      const sent: Array<CalendarChanged> = []
      const lookups: Array<string> = []
      const deps = {
        secret: SECRET,
        findChannel: (provider: "microsoft", id: string) => Effect.suspend(() => (lookups.push(id), channels.find(provider, id))),
        enqueue: (m: CalendarChanged) => Effect.sync(() => void sent.push(m))
      }
      const post = (body: BodyInit, headers: Record<string, string> = {}) =>
        new Request("https://webhooks.test/graph", { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit)
      const refusal = (response: Response) =>
        Effect.promise(async () => {
          const text = await response.text()
          return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as { error: string; message: string } | null }
        })
      const item = (subscriptionId: string, n = 0) => ({ subscriptionId, clientState: "x", changeType: "updated", resource: `me/events/${n}` })

      // 2 MiB of one valid notification collection: refused for its size, nothing looked up.
      const big = JSON.stringify({ value: [{ ...item("sub-big"), resource: "x".repeat(2 * 1024 * 1024) }] })
      expect(yield* refusal(yield* handleGraphNotification(post(big), deps))).toMatchObject({ status: 413, body: { error: "PayloadTooLarge" } })
      // A declared length past the limit is refused before the body is read; so is a stream without one.
      expect((yield* handleGraphNotification(post("{}", { "content-length": String(5 * 1024 * 1024) }), deps)).status).toBe(413)
      const endless = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(64 * 1024).fill(32)) })
      expect((yield* handleGraphNotification(post(endless), deps)).status).toBe(413)
      // A body that stops coming: 408 after the read timeout, not a request held open.
      const stalled = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode("{\"value\":[")) })
      const started = Date.now()
      const slow = yield* handleGraphNotification(post(stalled), { ...deps, limits: { bodyTimeoutMs: 300 } })
      expect(yield* refusal(slow)).toMatchObject({ status: 408, body: { error: "RequestTimeout" } })
      expect(Date.now() - started).toBeLessThan(5_000)

      const tooMany = yield* handleGraphNotification(post(JSON.stringify({ value: Array.from({ length: 1_001 }, (_, n) => item("sub-1", n)) })), deps)
      expect(yield* refusal(tooMany)).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringContaining("1000 items") } })
      const spread = yield* handleGraphNotification(post(JSON.stringify({ value: Array.from({ length: 101 }, (_, n) => item(`sub-${n}`)) })), deps)
      expect(yield* refusal(spread)).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringContaining("100 subscriptions") } })
      expect(yield* refusal(yield* handleGraphNotification(post("not json"), deps))).toMatchObject({ status: 400, body: { error: "InvalidRequest" } })
      expect(lookups).toEqual([])

      // 500 items naming one unknown subscription: one lookup, then 403 as before.
      expect((yield* handleGraphNotification(post(JSON.stringify({ value: Array.from({ length: 500 }, (_, n) => item("sub-unknown", n)) })), deps)).status).toBe(403)
      expect(lookups).toEqual(["sub-unknown"])
      expect(sent).toEqual([])
    }).pipe(Effect.provide(PushChannelsTest)))
})
