import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Layer, Option, Ref, Runtime, TestClock } from "effect"
import { afterEach, beforeEach } from "vitest"
import { handleOAuthRoute, type OAuthRouteServices } from "../../src/features/connectors/oauthCallback"
import { makeGoogleCalendar } from "../../src/adapters/providers/google/GoogleCalendar"
import { quotaClient, rateLimitedByQuota } from "../../src/features/connectors/providerThrottle"
import { makeUserConnectorEngine } from "../../src/features/connectors/UserConnectorEngine"
import { refreshConnectors } from "../../src/features/connectors/refreshConnectors"
import { CalendarTaskQueue } from "../../src/services/CalendarTaskQueue"
import { makeCalendarTaskQueueTest } from "../../src/adapters/memory/CalendarTaskQueueTest"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { OAuthClient } from "../../src/services/OAuthClient"
import { PushChannels } from "../../src/services/PushChannels"
import { TokenVault } from "../../src/services/TokenVault"
import { UserConnectors } from "../../src/services/UserConnectors"
import { connectorHarness, seedConnector } from "../support/connectorHarness"
import { type FakeGoogle, startFakeGoogle } from "../support/fakeGoogle"
import { type FakeGraph, startFakeGraph } from "../support/fakeGraph"
import { confirmationForm, consentAt, makeBrowser } from "./oauthBrowser"

/**
 * UserConnectorDO's engine (src/features/connectors/UserConnectorEngine.ts) in Node, against the local Google and
 * Microsoft fakes, which check every request as the providers do: the real OAuth client, the real vault
 * (test keys), real HTTP. Repositories, push channels and notices are in memory.
 */

const DID = "did:plc:alice00000000000000000000"
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 2, 2) // Monday 2 March 2026

let google: FakeGoogle
let graph: FakeGraph

beforeEach(async () => {
  google = await startFakeGoogle()
  graph = await startFakeGraph()
})
afterEach(async () => {
  // Every request any test made must have been well-formed.
  expect(google.malformed).toEqual([])
  expect(graph.malformed).toEqual([])
  await google.close()
  await graph.close()
})

const tokenRequests = (fake: FakeGoogle | FakeGraph, grant: string) =>
  fake.requests.filter((r) => r.method === "POST" && /\/token$/.test(r.path) && new URLSearchParams(r.body).get("grant_type") === grant)

const googleConnector = (id = "google-1") =>
  seedConnector({
    id,
    did: DID,
    provider: "google",
    secret: google.issueTokens().refreshToken,
    accountRef: google.primaryId,
    calendars: [{ id: google.primaryId, name: "Alice", primary: true, checkBusy: true }]
  })

const graphConnector = (id = "microsoft-1") =>
  seedConnector({
    id,
    did: DID,
    provider: "microsoft",
    secret: graph.issueTokens().refreshToken,
    accountRef: graph.userAddress,
    calendars: [{ id: "calendar", name: "Calendar", primary: true, checkBusy: true }]
  })

const withHarness = <A, E>(
  body: (h: ReturnType<typeof connectorHarness>) => Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof connectorHarness>["layer"]>>,
  settings: Parameters<typeof connectorHarness>[0]["settings"] = {}
) => {
  const h = connectorHarness({ google, graph, settings })
  return Effect.provide(body(h), h.layer)
}

const hold = (bookingId: string, start: number) => ({ bookingId, start, end: start + HOUR, tz: "Europe/Paris", summary: "Overlap: meeting (held)" })

describe("UserConnectorDO engine", () => {
  it.effect("one refresher: two concurrent busy calls with no valid access token make exactly one refresh request", () =>
    withHarness(() =>
      Effect.gen(function*() {
        yield* googleConnector()
        google.addBusy("primary", T0 + 9 * HOUR, T0 + 10 * HOUR)
        const engine = yield* makeUserConnectorEngine(DID)
        const [a, b] = yield* Effect.all([
          engine.busy({ start: T0, end: T0 + 24 * HOUR }),
          engine.busy({ start: T0, end: T0 + 12 * HOUR })
        ], { concurrency: 2 })
        expect(a).toEqual([{ start: T0 + 9 * HOUR, end: T0 + 10 * HOUR }])
        expect(b).toEqual(a)
        expect(tokenRequests(google, "refresh_token")).toHaveLength(1)
        expect(google.calls(/\/freeBusy$/)).toHaveLength(2)

        // The provider now refuses that access token (401): both callers are told to refresh, one refreshes.
        for (const token of google.accessTokens.keys()) google.expireAccessToken(token)
        yield* Effect.all([
          engine.busy({ start: T0, end: T0 + 6 * HOUR }),
          engine.busy({ start: T0, end: T0 + 7 * HOUR }),
          engine.busy({ start: T0, end: T0 + 8 * HOUR })
        ], { concurrency: 3 })
        expect(tokenRequests(google, "refresh_token")).toHaveLength(2)
      })
    ))

  it.effect("one refresher with single-use refresh tokens (Microsoft rotates on every refresh): the rotation is sealed and kept", () =>
    withHarness(() =>
      Effect.gen(function*() {
        const row = yield* graphConnector()
        const firstRefreshToken = [...graph.refreshTokens][0]!
        const engine = yield* makeUserConnectorEngine(DID)
        const results = yield* Effect.all(
          Array.from({ length: 4 }, (_, i) => Effect.either(engine.busy({ start: T0, end: T0 + (i + 1) * HOUR }))),
          { concurrency: 4 }
        )
        // A second refresh with the same (single-use) token would have been invalid_grant: everyone succeeded.
        expect(results.every(Either.isRight)).toBe(true)
        expect(tokenRequests(graph, "refresh_token")).toHaveLength(1)
        expect(graph.refreshTokens.has(firstRefreshToken)).toBe(false)
        const stored = Option.getOrThrow(yield* (yield* ConnectorsRepo).get(row.id))
        expect(stored.status).toBe("active")
        expect(stored.tokenCiphertext).not.toBe(row.tokenCiphertext)
        const opened = yield* (yield* TokenVault).decrypt(stored.tokenCiphertext!, { did: DID, provider: "microsoft", connectorId: row.id })
        expect(graph.refreshTokens.has(opened)).toBe(true)
        expect(stored.tokenCiphertext).not.toContain(opened)
      })
    ))

  it.effect("invalid_grant: the connector is marked broken in D1, its owner is told once, and busy refuses from then on", () =>
    withHarness((h) =>
      Effect.gen(function*() {
        const row = yield* googleConnector()
        google.revokeRefreshToken([...google.refreshTokens][0]!)
        const engine = yield* makeUserConnectorEngine(DID)
        const first = yield* Effect.flip(engine.busy({ start: T0, end: T0 + HOUR }))
        expect(first).toMatchObject({ _tag: "ConnectorBroken", connectorId: row.id, reason: "invalid_grant" })
        expect(Option.getOrThrow(yield* (yield* ConnectorsRepo).get(row.id)).status).toBe("broken")
        expect(h.notices).toEqual([
          expect.objectContaining({ kind: "connector-broken", did: DID, recipients: [DID], connectorId: row.id, provider: "google", reason: "invalid_grant" })
        ])
        const requestsBefore = google.requests.length
        const again = yield* Effect.flip(engine.busy({ start: T0, end: T0 + 2 * HOUR }))
        expect(again).toMatchObject({ _tag: "ConnectorBroken", connectorId: row.id })
        expect(yield* Effect.flip(engine.placeHold(hold("bk-1", T0)))).toMatchObject({ _tag: "ConnectorBroken" })
        // Refused without asking the provider again, and without a second notice.
        expect(google.requests.length).toBe(requestsBefore)
        expect(h.notices).toHaveLength(1)
      })
    ))

  it.effect("free/busy is reused for at most 60 s, and never after a hold was written", () =>
    withHarness(() =>
      Effect.gen(function*() {
        yield* googleConnector()
        const engine = yield* makeUserConnectorEngine(DID)
        const range = { start: T0, end: T0 + 24 * HOUR }
        const freeBusyCalls = () => google.calls(/\/freeBusy$/).length
        yield* engine.busy(range)
        yield* engine.busy(range)
        expect(freeBusyCalls()).toBe(1)
        yield* TestClock.adjust("59 seconds")
        yield* engine.busy(range)
        expect(freeBusyCalls()).toBe(1)
        yield* TestClock.adjust("1 second")
        yield* engine.busy(range)
        expect(freeBusyCalls()).toBe(2)
        // A new event elsewhere is not seen while cached; a hold we write drops the cache at once.
        google.addBusy("primary", T0 + 14 * HOUR, T0 + 15 * HOUR)
        expect(yield* engine.busy(range)).toEqual([])
        yield* engine.placeHold(hold("bk-cache", T0 + 9 * HOUR))
        expect(yield* engine.busy(range)).toEqual([
          { start: T0 + 9 * HOUR, end: T0 + 10 * HOUR },
          { start: T0 + 14 * HOUR, end: T0 + 15 * HOUR }
        ])
        expect(freeBusyCalls()).toBe(3)
      })
    ))

  it.effect("busy merges every connector; holds go to the connector marked for holds (default: the oldest active)", () =>
    withHarness(() =>
      Effect.gen(function*() {
        yield* googleConnector("google-1")
        yield* TestClock.adjust("1 second")
        const ms = yield* graphConnector("microsoft-1")
        google.addBusy("primary", T0 + 9 * HOUR, T0 + 10 * HOUR)
        graph.addBusy(graph.userAddress, T0 + 10 * HOUR, T0 + 11 * HOUR)
        const engine = yield* makeUserConnectorEngine(DID)
        expect(yield* engine.busy({ start: T0, end: T0 + 24 * HOUR })).toEqual([{ start: T0 + 9 * HOUR, end: T0 + 11 * HOUR }])

        const first = yield* engine.placeHold(hold("bk-a", T0 + 13 * HOUR))
        expect(first).toMatchObject({ provider: "google", connectorId: "google-1" })
        yield* (yield* ConnectorsRepo).setHoldsTarget(DID, ms.id)
        const engine2 = yield* makeUserConnectorEngine(DID)
        const second = yield* engine2.placeHold(hold("bk-b", T0 + 15 * HOUR))
        expect(second).toMatchObject({ provider: "microsoft", connectorId: "microsoft-1" })
        expect([...graph.events.values()].map((e) => e.showAs)).toEqual(["tentative"])
        // confirm and release are routed by the ref, whatever the holds target is now
        expect(yield* engine2.confirmHold(first)).toMatchObject({ connectorId: "google-1" })
        yield* engine2.releaseHold(first)
        yield* engine2.releaseHold(second)
        expect(graph.events.size).toBe(0)
      })
    ))

  it.effect("Microsoft: at most 4 requests in flight per mailbox, however many callers", () =>
    withHarness(() =>
      Effect.gen(function*() {
        yield* graphConnector()
        graph.apiDelayMs = 40
        const engine = yield* makeUserConnectorEngine(DID)
        yield* Effect.all(Array.from({ length: 12 }, (_, i) => engine.busy({ start: T0, end: T0 + (i + 1) * HOUR })), { concurrency: 12 })
        expect(graph.apiConcurrency.max).toBeLessThanOrEqual(4)
        expect(graph.apiConcurrency.max).toBeGreaterThan(1)
      })
    ))

  it.live("Google: the per-user quota (a token bucket) refuses beyond its budget as ProviderRateLimited", () =>
    Effect.gen(function*() {
      const tokens = google.issueTokens()
      const client = quotaClient(yield* HttpClient.HttpClient, { capacity: 2, refillPerSecond: 0.01 }, 0)
      const calendar = yield* makeGoogleCalendar({
        connectorId: "g-quota",
        getAccessToken: () => Effect.succeed(tokens.accessToken),
        apiBase: google.url
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const range = { start: T0, end: T0 + HOUR }
      yield* rateLimitedByQuota(calendar.busy(range))
      yield* rateLimitedByQuota(calendar.busy(range))
      const refused = yield* Effect.flip(rateLimitedByQuota(calendar.busy(range)))
      expect(refused).toMatchObject({ _tag: "ProviderRateLimited", provider: "google" })
      expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000)
      expect(google.calls(/\/freeBusy$/)).toHaveLength(2)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.effect("connect (OAuth callback) → calendars listed, push channel opened, active; remove → revoked, channel stopped, credential gone", () =>
    withHarness((h) =>
      Effect.gen(function*() {
        google.addCalendar("team@group.calendar.google.com", "Team")
        const runtime = yield* Effect.runtime<OAuthRouteServices>()
        const oauth = yield* OAuthClient
        const started = yield* oauth.start("google", DID)
        // The user's browser opens the link, consents at the provider, comes back to the AppView and confirms.
        const browser = makeBrowser((request) => Runtime.runPromise(runtime)(handleOAuthRoute(request)))
        const atProvider = yield* Effect.promise(() => browser.begin(started.authorizationUrl))
        const callbackUrl = yield* Effect.promise(() => consentAt(atProvider))
        expect(callbackUrl).toMatch(/^https:\/\/overlap\.test\/oauth\/google\/callback\?/)
        const page = yield* Effect.promise(() => browser.callback(callbackUrl))
        expect(page.status).toBe(200)
        const response = yield* Effect.promise(async () => browser.confirm(confirmationForm(await page.text())))
        expect(response.status).toBe(303)
        expect(response.headers.get("location")).toBe("https://overlap.test/oauth/connected?provider=google")

        const repo = yield* ConnectorsRepo
        const [row] = yield* repo.listForDid(DID)
        expect(row).toMatchObject({ provider: "google", status: "active", accountRef: google.primaryId })
        expect(row!.calendars).toEqual([
          { id: google.primaryId, name: "Alice", primary: true, checkBusy: true },
          { id: "team@group.calendar.google.com", name: "Team", primary: false, checkBusy: false }
        ])
        const channels = yield* (yield* PushChannels).forConnector(row!.id)
        expect(channels).toHaveLength(1)
        expect(google.channels.size).toBe(1)
        expect([...google.channels.values()][0]).toMatchObject({ address: "https://hooks.overlap.test/push/google", calendarId: google.primaryId })
        // The exchange was the only token request: the callback's access token went to the object in memory.
        expect(tokenRequests(google, "authorization_code")).toHaveLength(1)
        expect(tokenRequests(google, "refresh_token")).toHaveLength(0)
        const refreshToken = [...google.refreshTokens][0]!

        const connectors = yield* UserConnectors
        expect(yield* connectors.busy(DID, { start: T0, end: T0 + HOUR })).toEqual([])
        expect(yield* connectors.remove(DID, row!.id)).toEqual({ revoked: true })
        expect(google.refreshTokens.has(refreshToken)).toBe(false)
        expect(google.channels.size).toBe(0)
        expect(yield* (yield* PushChannels).forConnector(row!.id)).toEqual([])
        const removed = Option.getOrThrow(yield* repo.get(row!.id))
        expect(removed).toMatchObject({ status: "removed", tokenCiphertext: null, keyId: null, tokenExpiresAt: null })
        expect(yield* repo.listForDid(DID)).toEqual([])
        expect(h.notices).toEqual([])
        expect(Exit.isFailure(yield* Effect.exit(connectors.remove(DID, row!.id)))).toBe(true)
      }), { webhooksPublicUrl: "https://hooks.overlap.test", pushChannelSecret: "push-secret" }))

  it.effect("refresh-oauth cron: refreshes tokens near expiry and finishes a connect whose activation failed", () =>
    withHarness(() =>
      Effect.gen(function*() {
        const queue = yield* makeCalendarTaskQueueTest
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const expiring = yield* seedConnector({
          id: "google-expiring",
          did: DID,
          provider: "google",
          secret: google.issueTokens().refreshToken,
          accountRef: google.primaryId,
          calendars: [{ id: google.primaryId, name: "Alice", primary: true, checkBusy: true }],
          tokenExpiresAt: now + 10 * 60_000
        })
        const other = "did:plc:bob0000000000000000000000"
        const pending = yield* seedConnector({
          id: "google-pending",
          did: other,
          provider: "google",
          secret: google.issueTokens().refreshToken,
          accountRef: null,
          calendars: [],
          status: "pending"
        })
        // Too fresh to retry: the callback may still be finishing it.
        const early = yield* refreshConnectors.pipe(Effect.provideService(CalendarTaskQueue, queue.service))
        expect(early).toMatchObject({ users: 1, refreshed: 1, failedUsers: 0 })
        yield* TestClock.adjust("2 minutes")
        const later = yield* refreshConnectors.pipe(Effect.provideService(CalendarTaskQueue, queue.service))
        expect(later).toMatchObject({ users: 1, refreshed: 0, failedUsers: 0 })
        const repo = yield* ConnectorsRepo
        expect(Option.getOrThrow(yield* repo.get(pending.id))).toMatchObject({ status: "active", accountRef: google.primaryId })
        expect(Option.getOrThrow(yield* repo.get(expiring.id)).tokenExpiresAt).toBeGreaterThan(now + 3_000_000)
        expect(yield* Ref.get(queue.sent)).toEqual([])
      })))

  it.effect("maintenance: refreshes tokens near expiry and renews push channels before they lapse", () =>
    withHarness(() =>
      Effect.gen(function*() {
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const row = yield* seedConnector({
          id: "google-m",
          did: DID,
          provider: "google",
          secret: google.issueTokens().refreshToken,
          accountRef: google.primaryId,
          calendars: [{ id: google.primaryId, name: "Alice", primary: true, checkBusy: true }],
          tokenExpiresAt: now + 5 * 60_000
        })
        const engine = yield* makeUserConnectorEngine(DID)
        const first = yield* engine.maintain
        expect(first.refreshed).toEqual([row.id])
        expect(first.failed).toEqual([])
        const channels = yield* PushChannels
        const [opened] = yield* channels.forConnector(row.id)
        expect(opened).toBeDefined()
        expect(tokenRequests(google, "refresh_token")).toHaveLength(1)

        // Nothing due: no refresh, no renewal.
        const idle = yield* engine.maintain
        expect(idle).toMatchObject({ refreshed: [], renewedChannels: [] })
        expect(tokenRequests(google, "refresh_token")).toHaveLength(1)

        // The channel lapses within 12 h: a new channel is opened and the old one stopped.
        yield* channels.put({ ...opened!, expiresAt: now + HOUR })
        const renewal = yield* engine.maintain
        expect(renewal.renewedChannels).toHaveLength(1)
        const [renewed] = yield* channels.forConnector(row.id)
        expect(renewed!.channelId).not.toBe(opened!.channelId)
        expect([...google.channels.keys()]).toEqual([renewed!.channelId])
      }), { webhooksPublicUrl: "https://hooks.overlap.test", pushChannelSecret: "push-secret" }))
})
