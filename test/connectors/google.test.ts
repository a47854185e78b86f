import { FetchHttpClient, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import { afterEach, beforeEach } from "vitest"
import { handleGoogleChannel } from "../../src/features/push/GoogleChannel"
import { pushChannelToken } from "../../src/features/push/pushSecret"
import type { CalendarChanged } from "../../src/domain/calendar/calendarTask"
import { googleHoldEventId } from "../../src/domain/calendar/eventIds"
import { BOOKING_ID_PROPERTY, makeGoogleApi, makeGoogleCalendar } from "../../src/adapters/providers/google/GoogleCalendar"
import { renewGoogleChannel, watchGoogleCalendar } from "../../src/adapters/providers/google/GooglePush"
import { googleEventChanges } from "../../src/adapters/providers/google/GoogleSync"
import { listGoogleCalendars } from "../../src/adapters/providers/ProviderAccounts"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { makeOAuthClientLive } from "../../src/adapters/providers/OAuthClientLive"
import { PushChannelsTest } from "../../src/adapters/memory/PushChannelsTest"
import { makeGoogleAdapter } from "../../src/adapters/providers/google/GoogleAdapter"
import { Connector } from "../../src/services/ConnectorsRepo"
import { OAuthClient } from "../../src/services/OAuthClient"
import { PushChannels } from "../../src/services/PushChannels"
import { connectorEnv, memoryKv, startWebhookServer, tokenGetter } from "../support/connectorEnv"
import { type FakeGoogle, GOOGLE_CLIENT, startFakeGoogle } from "../support/fakeGoogle"

const DAY = 86_400_000
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 2, 2) // Monday 2 March 2026, 00:00 UTC

let google: FakeGoogle

beforeEach(async () => {
  google = await startFakeGoogle()
})
afterEach(async () => {
  // Every request any test made must have been well-formed.
  expect(google.malformed).toEqual([])
  await google.close()
})

/** The real OAuthClientLive against the fake's token endpoint, so a forced refresh is a real refresh grant. */
const oauthLayer = () =>
  makeOAuthClientLive().pipe(
    Layer.provide(CloudflareEnv.layer(connectorEnv({
      SESSION_NONCES: memoryKv(),
      PUBLIC_URL: "https://overlap.test",
      GOOGLE_CLIENT_ID: GOOGLE_CLIENT.id,
      GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT.secret,
      GOOGLE_ACCOUNTS_BASE: google.url,
      GOOGLE_OAUTH_BASE: google.url
    }))),
    Layer.provide(FetchHttpClient.layer)
  )

/** A backend for the fake's user, with a token getter that refreshes through the real OAuth client. */
const setup = (options: { calendarIds?: ReadonlyArray<string> } = {}) =>
  Effect.gen(function* () {
    const oauth = yield* OAuthClient
    const tokens = tokenGetter(google.issueTokens(), (rt) => oauth.refresh("google", rt, "conn-g1"))
    const calendar = yield* makeGoogleCalendar({
      connectorId: "conn-g1",
      getAccessToken: tokens.get,
      calendarIds: options.calendarIds,
      apiBase: google.url,
      rateLimitFallbackMs: 45_000
    })
    const api = yield* makeGoogleApi({ connectorId: "conn-g1", getAccessToken: tokens.get, apiBase: google.url })
    return { calendar, tokens, api }
  })

const run = <A, E>(effect: Effect.Effect<A, E, OAuthClient | HttpClient.HttpClient>) =>
  effect.pipe(Effect.provide(Layer.merge(oauthLayer(), FetchHttpClient.layer)))

const hold = (bookingId: string, start: number, end: number) => ({ bookingId, start, end, tz: "Europe/Paris", summary: "Overlap: meeting (held)" })

describe("Google Calendar backend", () => {
  it.effect("busy: merges every calendar across split ranges (≤ 90 days, ≤ 50 calendars a call)", () =>
    run(Effect.gen(function* () {
      const extra = Array.from({ length: 55 }, (_, i) => `team${i}@group.calendar.google.com`)
      for (const id of extra) google.addCalendar(id)
      // one event crossing the first 90-day boundary, split by the windows and merged back
      google.addBusy("primary", T0 + 89 * DAY, T0 + 91 * DAY)
      // overlapping events on two calendars → one interval
      google.addBusy("primary", T0 + 2 * DAY + 9 * HOUR, T0 + 2 * DAY + 11 * HOUR)
      google.addBusy(extra[54]!, T0 + 2 * DAY + 10 * HOUR, T0 + 2 * DAY + 12 * HOUR)
      // touching intervals merge too
      google.addBusy(extra[3]!, T0 + 150 * DAY, T0 + 150 * DAY + HOUR)
      google.addBusy(extra[4]!, T0 + 150 * DAY + HOUR, T0 + 150 * DAY + 2 * HOUR)
      // transparent ("show as free") and cancelled events are not busy
      google.addBusy("primary", T0 + 5 * DAY, T0 + 5 * DAY + HOUR, { transparent: true })
      google.addBusy("primary", T0 + 6 * DAY, T0 + 6 * DAY + HOUR, { status: "cancelled" })
      // outside the range
      google.addBusy("primary", T0 + 300 * DAY, T0 + 301 * DAY)

      const { calendar } = yield* setup({ calendarIds: extra })
      const busy = yield* calendar.busy({ start: T0, end: T0 + 200 * DAY })

      expect(busy).toEqual([
        { start: T0 + 2 * DAY + 9 * HOUR, end: T0 + 2 * DAY + 12 * HOUR },
        { start: T0 + 89 * DAY, end: T0 + 91 * DAY },
        { start: T0 + 150 * DAY, end: T0 + 150 * DAY + 2 * HOUR }
      ])
      const calls = google.calls(/^\/calendar\/v3\/freeBusy$/)
      expect(calls).toHaveLength(3 * 2) // windows 90 + 90 + 20 days × (50 + 6 calendars)
      for (const call of calls) {
        const body = JSON.parse(call.body)
        expect(body.items.length).toBeLessThanOrEqual(50)
        expect(Date.parse(body.timeMax) - Date.parse(body.timeMin)).toBeLessThanOrEqual(90 * DAY)
        expect(call.headers.authorization).toMatch(/^Bearer ya29-/)
      }
      const asked = new Set(calls.flatMap((c) => JSON.parse(c.body).items.map((i: { id: string }) => i.id)))
      expect(asked).toEqual(new Set(["primary", ...extra]))
    })))

  it.effect("busy: a selected calendar that no longer exists breaks the connector instead of silently not counting", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup({ calendarIds: ["gone@group.calendar.google.com"] })
      const error = yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))
      expect(error._tag).toBe("ConnectorBroken")
    })))

  it.effect("holds: place (tentative, booking id in a private extended property) → confirm → move → release", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      const start = T0 + 3 * DAY + 14 * HOUR
      const ref = yield* calendar.placeHold(hold("bk-1", start, start + HOUR))

      expect(ref.eventId).toBe(googleHoldEventId("bk-1"))
      expect(ref.calendarId).toBe("primary")
      const placed = google.event("primary", ref.eventId)!
      expect(placed.status).toBe("tentative")
      expect(placed.extendedProperties?.private?.[BOOKING_ID_PROPERTY]).toBe("bk-1")
      expect(placed.start).toEqual({ dateTime: new Date(start).toISOString(), timeZone: "Europe/Paris" })
      expect(google.calls(/\/events$/, "POST")[0]!.query.get("sendUpdates")).toBe("none")
      // the hold blocks the calendar
      expect(yield* calendar.busy({ start: T0, end: T0 + 7 * DAY })).toEqual([{ start, end: start + HOUR }])

      const confirmed = yield* calendar.confirmHold(ref)
      expect(google.event("primary", ref.eventId)!.status).toBe("confirmed")
      // PATCH was conditional on the etag just read
      const patch = google.calls(new RegExp(`/events/${ref.eventId}$`), "PATCH")[0]!
      expect(patch.headers["if-match"]).toMatch(/^"\d+"$/)
      expect(JSON.parse(patch.body)).toEqual({ status: "confirmed" })

      const moved = yield* calendar.moveHold(confirmed, { start: start + DAY, end: start + DAY + 2 * HOUR })
      const event = google.event("primary", ref.eventId)!
      expect(event.start).toEqual({ dateTime: new Date(start + DAY).toISOString(), timeZone: "Europe/Paris" })
      expect(event.end).toEqual({ dateTime: new Date(start + DAY + 2 * HOUR).toISOString(), timeZone: "Europe/Paris" })
      expect(moved.eventId).toBe(ref.eventId)

      yield* calendar.releaseHold(moved)
      expect(google.event("primary", ref.eventId)!.status).toBe("cancelled")
      // releasing again (Google answers 410) succeeds; confirming a released hold is HoldGone
      yield* calendar.releaseHold(moved)
      const gone = yield* Effect.flip(calendar.confirmHold(moved))
      expect(gone._tag).toBe("HoldGone")
      expect(yield* calendar.busy({ start: T0, end: T0 + 7 * DAY })).toEqual([])
    })))

  it.effect("the owner's choice (connector.setCalendars): an unticked primary is not asked for, holds go to the calendar chosen", () =>
    run(Effect.gen(function* () {
      google.addCalendar("family@group.calendar.google.com", "Family")
      google.addBusy("primary", T0 + 9 * HOUR, T0 + 10 * HOUR)
      google.addBusy("family@group.calendar.google.com", T0 + 12 * HOUR, T0 + 13 * HOUR)
      const oauth = yield* OAuthClient
      const tokens = tokenGetter(google.issueTokens(), (rt) => oauth.refresh("google", rt, "conn-g1"))
      const row = new Connector({
        id: "conn-g1", did: "did:plc:googlechoice", provider: "google", status: "active", accountRef: "alice@example.com",
        tokenCiphertext: null, keyId: null, tokenExpiresAt: null, holdsTarget: true, lastSyncAt: null, warning: null, createdAt: T0, updatedAt: T0,
        calendars: [
          { id: "alice@example.com", name: "Alice", primary: true, checkBusy: false },
          { id: "family@group.calendar.google.com", name: "Family", checkBusy: true, holds: true }
        ]
      })
      const connector = yield* makeGoogleAdapter({ apiBase: google.url }).open({
        row, http: yield* HttpClient.HttpClient, accessToken: tokens.get, credential: Effect.succeed("")
      })
      expect(yield* connector.busy({ start: T0, end: T0 + DAY })).toEqual([{ start: T0 + 12 * HOUR, end: T0 + 13 * HOUR }])
      const asked = google.calls(/^\/calendar\/v3\/freeBusy$/).flatMap((c) => JSON.parse(c.body).items.map((i: { id: string }) => i.id))
      expect(asked).toEqual(["family@group.calendar.google.com"])
      const ref = yield* connector.placeHold(hold("bk-choice", T0 + DAY, T0 + DAY + HOUR))
      expect(ref.calendarId).toBe("family@group.calendar.google.com")
      expect(google.event("family@group.calendar.google.com", ref.eventId)?.status).toBe("tentative")
      expect(google.event("primary", ref.eventId)).toBeUndefined()
    })))

  it.effect("holds: placing twice is one event (409 adopted), and a released hold can be placed again", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      const start = T0 + DAY + 9 * HOUR
      const first = yield* calendar.placeHold(hold("bk-2", start, start + HOUR))
      const second = yield* calendar.placeHold(hold("bk-2", start, start + HOUR))
      expect(second.eventId).toBe(first.eventId)
      expect([...google.calendars.get(google.primaryId)!.events.values()].filter((e) => e.status !== "cancelled")).toHaveLength(1)
      expect(google.calls(/\/events$/, "POST").length).toBe(2) // the second insert met 409 and adopted the event

      yield* calendar.releaseHold(second)
      const third = yield* calendar.placeHold(hold("bk-2", start + HOUR, start + 2 * HOUR))
      expect(third.eventId).toBe(first.eventId)
      const event = google.event("primary", first.eventId)!
      expect(event.status).toBe("tentative")
      expect(Date.parse(event.start.dateTime)).toBe(start + HOUR)
    })))

  it.effect("holds: a user-deleted hold is HoldGone on confirm and on move, never resurrected", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      const ref = yield* calendar.placeHold(hold("bk-3", T0 + DAY, T0 + DAY + HOUR))
      google.event("primary", ref.eventId)!.status = "cancelled" // the user deleted it in Google Calendar
      expect((yield* Effect.flip(calendar.confirmHold(ref)))._tag).toBe("HoldGone")
      expect((yield* Effect.flip(calendar.moveHold(ref, { start: T0, end: T0 + HOUR })))._tag).toBe("HoldGone")
      expect(google.event("primary", ref.eventId)!.status).toBe("cancelled")
    })))

  it.effect("401 → refreshes once through the token endpoint → the retried call succeeds", () =>
    run(Effect.gen(function* () {
      const { calendar, tokens } = yield* setup()
      const stale = tokens.state.accessToken
      google.expireAccessToken(stale)
      google.addBusy("primary", T0 + HOUR, T0 + 2 * HOUR)

      const busy = yield* calendar.busy({ start: T0, end: T0 + DAY })
      expect(busy).toEqual([{ start: T0 + HOUR, end: T0 + 2 * HOUR }])
      expect(tokens.state.refreshes).toBe(1)
      const refreshCalls = google.calls(/^\/token$/)
      expect(refreshCalls).toHaveLength(1)
      expect(new URLSearchParams(refreshCalls[0]!.body).get("grant_type")).toBe("refresh_token")
      const freeBusy = google.calls(/freeBusy/)
      expect(freeBusy.map((c) => c.headers.authorization)).toEqual([`Bearer ${stale}`, `Bearer ${tokens.state.accessToken}`])
    })))

  it.effect("401 and a revoked refresh token (invalid_grant) → ConnectorBroken", () =>
    run(Effect.gen(function* () {
      const { calendar, tokens } = yield* setup()
      google.expireAccessToken(tokens.state.accessToken)
      google.revokeRefreshToken(tokens.state.refreshToken)
      const error = yield* Effect.flip(calendar.placeHold(hold("bk-4", T0, T0 + HOUR)))
      expect(error._tag).toBe("ConnectorBroken")
      expect(error).toMatchObject({ provider: "google", reason: "invalid_grant" })
      expect(google.calls(/\/events$/, "POST")).toHaveLength(1) // never retried without a token
    })))

  it.effect("429 with Retry-After → ProviderRateLimited with that delay; 403 rate-limit reasons too", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      google.rateLimitNext(/freeBusy/, { status: 429, retryAfter: "7" })
      expect(yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))).toMatchObject({ _tag: "ProviderRateLimited", provider: "google", retryAfterMs: 7000 })

      google.rateLimitNext(/\/events$/, { status: 403, reason: "userRateLimitExceeded" })
      expect(yield* Effect.flip(calendar.placeHold(hold("bk-5", T0, T0 + HOUR)))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 45_000 })

      yield* TestClock.setTime(Date.parse("2026-03-02T10:00:00Z"))
      google.rateLimitNext(/freeBusy/, { status: 403, reason: "rateLimitExceeded", retryAfter: "Mon, 02 Mar 2026 10:00:30 GMT" })
      expect(yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY }))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 30_000 })
      // nothing was created by the refused insert
      expect(google.event("primary", googleHoldEventId("bk-5"))).toBeUndefined()
    })))

  it.effect("5xx → ProviderUnavailable; other 4xx → ProviderRejected", () =>
    run(Effect.gen(function* () {
      const { calendar } = yield* setup()
      google.faults.push({ path: /freeBusy/, status: 503, body: { error: { code: 503, message: "Backend Error", errors: [{ reason: "backendError" }] } } })
      expect((yield* Effect.flip(calendar.busy({ start: T0, end: T0 + DAY })))._tag).toBe("ProviderUnavailable")
      google.faults.push({ path: /\/events$/, status: 400, body: { error: { code: 400, message: "Bad Request", errors: [{ reason: "invalid" }] } } })
      expect(yield* Effect.flip(calendar.placeHold(hold("bk-6", T0, T0 + HOUR)))).toMatchObject({ _tag: "ProviderRejected", status: 400 })
    })))

  it.effect("calendarList: the calendars to choose from, primary marked", () =>
    run(Effect.gen(function* () {
      google.addCalendar("team@group.calendar.google.com", "Team")
      const { api } = yield* setup()
      const list = yield* listGoogleCalendars(api)
      expect(list.map((c) => [c.id, c.primary])).toEqual([[google.primaryId, true], ["team@group.calendar.google.com", false]])
    })))
})

describe("Google incremental sync", () => {
  it.effect("reports Overlap's holds only, follows pages, and a gone sync token is SyncTokenGone", () =>
    run(Effect.gen(function* () {
      ;(google as unknown as { listPageSize: number }).listPageSize = 2
      const { api, calendar } = yield* setup()
      google.addBusy("primary", T0, T0 + HOUR)
      const a = yield* calendar.placeHold(hold("bk-s1", T0 + DAY, T0 + DAY + HOUR))
      yield* calendar.placeHold(hold("bk-s2", T0 + 2 * DAY, T0 + 2 * DAY + HOUR))

      const full = yield* googleEventChanges(api, "primary", undefined)
      expect(full.holds.map((h) => [h.bookingId, h.status])).toEqual([["bk-s1", "tentative"], ["bk-s2", "tentative"]])
      expect(full.otherChanges).toBe(1)
      expect(google.calls(/\/events$/, "GET")).toHaveLength(2) // two pages

      yield* calendar.releaseHold(a) // the hold is deleted…
      const delta = yield* googleEventChanges(api, "primary", full.nextSyncToken)
      expect(delta.holds).toEqual([{ eventId: a.eventId, bookingId: "bk-s1", status: "cancelled" }]) // …and the sync says so
      expect(delta.otherChanges).toBe(0)

      google.expireSyncTokens()
      const gone = yield* Effect.flip(googleEventChanges(api, "primary", delta.nextSyncToken))
      expect(gone).toMatchObject({ _tag: "SyncTokenGone", calendarId: "primary" })
    })))
})

describe("Google push channels", () => {
  const SECRET = "push-secret-for-tests"

  it.effect("watch → notifications verified by channel token → calendar-tasks messages; bad token refused; renew swaps channels", () =>
    Effect.gen(function* () {
      const channels = yield* PushChannels
      const sent: Array<CalendarChanged> = []
      const deps = {
        secret: SECRET,
        findChannel: channels.find,
        enqueue: (message: CalendarChanged) => Effect.sync(() => void sent.push(message))
      }
      const webhooks = yield* Effect.acquireRelease(
        Effect.promise(() => startWebhookServer((request) => Effect.runPromise(handleGoogleChannel(request, deps)))),
        (server) => Effect.promise(() => server.close())
      )
      const { api } = yield* setup()
      const token = yield* Effect.promise(() => pushChannelToken(SECRET, "google", "conn-g1"))
      const opened = yield* watchGoogleCalendar(api, {
        calendarId: "primary",
        channelId: "c0a8f3e2-1111-4b5c-9d7e-000000000001",
        address: `${webhooks.url}/google/notifications`,
        token,
        expiresAt: Date.now() + 3 * DAY
      })
      yield* channels.put({ provider: "google", channelId: opened.channelId, connectorId: "conn-g1", did: "did:plc:alice", calendarId: "primary", resourceId: opened.resourceId, expiresAt: opened.expiresAt, createdAt: Date.now() })

      expect(yield* Effect.promise(() => google.notify(opened.channelId, "sync"))).toBe(200)
      expect(sent).toEqual([]) // sync only says the channel works
      expect(yield* Effect.promise(() => google.notify(opened.channelId, "exists"))).toBe(200)
      expect(sent).toEqual([{ kind: "calendar-changed", did: "did:plc:alice", connectorId: "conn-g1", provider: "google", idempotencyKey: `google:${opened.channelId}:2` }])
      expect(yield* Effect.promise(() => google.notify(opened.channelId, "exists", "forged-token"))).toBe(403)
      expect(sent).toHaveLength(1)

      const renewed = yield* renewGoogleChannel(api, opened, {
        calendarId: "primary",
        channelId: "c0a8f3e2-1111-4b5c-9d7e-000000000002",
        address: `${webhooks.url}/google/notifications`,
        token
      })
      expect(google.channels.has(opened.channelId)).toBe(false)
      expect(google.channels.get(renewed.channelId)?.token).toBe(token)
      const stop = google.calls(/channels\/stop/)[0]!
      expect(JSON.parse(stop.body)).toEqual({ id: opened.channelId, resourceId: opened.resourceId })
    }).pipe(Effect.scoped, Effect.provide(PushChannelsTest), run))

  it.effect("handler: unknown channel, missing headers, wrong method and missing secret are refused without a message", () =>
    Effect.gen(function* () {
      const channels = yield* PushChannels
      const sent: Array<CalendarChanged> = []
      const deps = { secret: SECRET, findChannel: channels.find, enqueue: (m: CalendarChanged) => Effect.sync(() => void sent.push(m)) }
      yield* channels.put({ provider: "google", channelId: "chan-1", connectorId: "conn-x", did: "did:plc:bob", calendarId: "primary", resourceId: "r", expiresAt: 1, createdAt: 0 })
      const token = yield* Effect.promise(() => pushChannelToken(SECRET, "google", "conn-x"))
      const post = (headers: Record<string, string>, method = "POST") => new Request("https://webhooks.test/google", { method, headers })

      expect((yield* handleGoogleChannel(post({ "x-goog-channel-id": "chan-2", "x-goog-channel-token": token, "x-goog-resource-state": "exists" }), deps)).status).toBe(403)
      expect((yield* handleGoogleChannel(post({ "x-goog-channel-id": "chan-1", "x-goog-resource-state": "exists" }), deps)).status).toBe(403)
      expect((yield* handleGoogleChannel(post({ "x-goog-channel-token": token }), deps)).status).toBe(400)
      expect((yield* handleGoogleChannel(post({}, "GET"), deps)).status).toBe(405)
      expect((yield* handleGoogleChannel(post({ "x-goog-channel-id": "chan-1", "x-goog-channel-token": token, "x-goog-resource-state": "exists" }), { ...deps, secret: undefined })).status).toBe(503)
      expect(sent).toEqual([])
      // the right token for another connector is still wrong
      const other = yield* Effect.promise(() => pushChannelToken(SECRET, "google", "conn-y"))
      expect((yield* handleGoogleChannel(post({ "x-goog-channel-id": "chan-1", "x-goog-channel-token": other, "x-goog-resource-state": "exists", "x-goog-message-number": "9" }), deps)).status).toBe(403)
      const ok = yield* handleGoogleChannel(post({ "x-goog-channel-id": "chan-1", "x-goog-channel-token": token, "x-goog-resource-state": "not_exists", "x-goog-message-number": "9" }), deps)
      expect(ok.status).toBe(200)
      expect(sent.map((m) => m.idempotencyKey)).toEqual(["google:chan-1:9"])
      expect(Option.isSome(yield* channels.find("google", "chan-1"))).toBe(true)
    }).pipe(Effect.provide(PushChannelsTest)))
})
