import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { handleGoogleChannel } from "../../src/features/push/GoogleChannel"
import { pushChannelToken } from "../../src/features/push/pushSecret"
import { PUSH_PATHS, routeCalendarPush } from "../../src/features/push/routes"
import { pushDeps } from "../../src/entry/pushGraph"
import type { CalendarChanged } from "../../src/domain/calendar/calendarTask"
import { codeChallengeS256, makeState } from "../../src/domain/oauth/pkce"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { makeOAuthClientLive, OAUTH_STATE_PREFIX, OAUTH_STATE_TTL_SECONDS, OAUTH_TICKET_PREFIX } from "../../src/adapters/providers/OAuthClientLive"
import { makePushChannelsD1 } from "../../src/adapters/providers/PushChannelsLive"
import { OAuthClient } from "../../src/services/OAuthClient"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import { confirmationForm, makeBrowser } from "./oauthBrowser"

/**
 * Inside workerd, against the real bindings from wrangler.toml: the OAuth flow state lives in the
 * SESSION_NONCES KV namespace with a 10-minute TTL and works once; a Google push notification for a channel
 * recorded in D1 (migrations/0005) goes out through the CALENDAR_TASKS queue binding.
 */

/** Google's token endpoint, inside the test: checks the PKCE verifier against the challenge it was shown. */
const tokenEndpoint = (challenges: Set<string>) =>
  HttpClient.make((request) =>
    Effect.gen(function* () {
      expect(request.url).toBe("https://oauth2.fake.test/token")
      const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      const form = new URLSearchParams(body)
      const verifier = form.get("code_verifier") ?? ""
      const ok = form.get("grant_type") === "authorization_code" && challenges.has(yield* Effect.promise(() => codeChallengeS256(verifier)))
      const response = ok
        ? new Response(JSON.stringify({ access_token: "ya29.at", refresh_token: "1//rt", expires_in: 3599, token_type: "Bearer", scope: "https://www.googleapis.com/auth/calendar" }), { status: 200, headers: { "content-type": "application/json" } })
        : new Response(JSON.stringify({ error: "invalid_grant" }), { status: 400, headers: { "content-type": "application/json" } })
      return HttpClientResponse.fromWeb(request, response)
    })
  )

const oauthLayer = (challenges: Set<string>) =>
  makeOAuthClientLive().pipe(
    Layer.provide(CloudflareEnv.layer({
      ...env,
      PUBLIC_URL: "https://overlap.test",
      GOOGLE_CLIENT_ID: "cid.apps.googleusercontent.com",
      GOOGLE_CLIENT_SECRET: "secret",
      GOOGLE_ACCOUNTS_BASE: "https://accounts.fake.test",
      GOOGLE_OAUTH_BASE: "https://oauth2.fake.test"
    })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, tokenEndpoint(challenges)))
  )

describe("connectors in workerd", () => {
  it.effect("OAuth state: stored in SESSION_NONCES with a 10-minute TTL, bound to the browser's nonce, consumed by the callback, refused the second time", () => {
    const challenges = new Set<string>()
    return Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const ticket = yield* oauth.start("google", "did:plc:alice")
      expect(ticket.authorizationUrl).toBe(`https://overlap.test/oauth/google/begin?ticket=${ticket.ticket}`)
      const nonce = makeState()
      const started = yield* oauth.begin("google", ticket.ticket, nonce)
      challenges.add(new URL(started.authorizationUrl).searchParams.get("code_challenge")!)

      const listed = yield* Effect.promise(() => env.SESSION_NONCES.list({ prefix: OAUTH_STATE_PREFIX }))
      expect(listed.keys.map((k) => k.name)).toEqual([`${OAUTH_STATE_PREFIX}${started.state}`])
      const nowSeconds = Math.floor(Date.now() / 1000)
      expect(listed.keys[0]!.expiration).toBeGreaterThanOrEqual(nowSeconds + OAUTH_STATE_TTL_SECONDS - 5)
      expect(listed.keys[0]!.expiration).toBeLessThanOrEqual(nowSeconds + OAUTH_STATE_TTL_SECONDS + 1)
      expect(yield* Effect.promise(() => env.SESSION_NONCES.get(`${OAUTH_TICKET_PREFIX}${ticket.ticket}`))).toBeNull() // the ticket works once

      // another browser (another flow cookie nonce) cannot see or use the flow
      expect(yield* Effect.flip(oauth.pending("google", started.state, makeState()))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was started in another browser" })
      expect(yield* oauth.pending("google", started.state, nonce)).toEqual({ did: "did:plc:alice", provider: "google" })
      const result = yield* oauth.callback("google", "4/0code", started.state, nonce)
      expect(result).toMatchObject({ did: "did:plc:alice", provider: "google", tokens: { accessToken: "ya29.at", refreshToken: "1//rt" } })
      expect(yield* Effect.promise(() => env.SESSION_NONCES.get(`${OAUTH_STATE_PREFIX}${started.state}`))).toBeNull()
      expect(yield* Effect.flip(oauth.callback("google", "4/0code", started.state, nonce))).toMatchObject({ _tag: "OAuthStateInvalid" })
    }).pipe(Effect.provide(oauthLayer(challenges)))
  })

  // live clock: the worker's runtime reads the real time, so the ticket must be stamped with it too
  it.live("through the AppView worker's fetch: begin sets the flow cookie; a callback without it is refused; with it, a page that stores nothing; a cross-origin POST is refused", () =>
    Effect.gen(function* () {
      const workerEnv = {
        ...env,
        PUBLIC_URL: "https://overlap.test",
        GOOGLE_CLIENT_ID: "cid.apps.googleusercontent.com",
        GOOGLE_CLIENT_SECRET: "secret",
        GOOGLE_ACCOUNTS_BASE: "https://accounts.fake.test",
        GOOGLE_OAUTH_BASE: "https://oauth2.fake.test"
      } as Env
      const worker = (request: Request) => appview.fetch(request as Parameters<typeof appview.fetch>[0], workerEnv)
      const did = "did:plc:workerdbrowser000000000000"
      const started = yield* Effect.flatMap(OAuthClient, (o) => o.start("google", did))
      const browser = makeBrowser(worker)
      const atProvider = new URL(yield* Effect.promise(() => browser.begin(started.authorizationUrl)))
      expect(atProvider.origin).toBe("https://accounts.fake.test")
      expect(browser.cookie).toMatch(/^__Host-overlap-oauth-google=[A-Za-z0-9_-]{43}$/)
      const back = `https://overlap.test/oauth/google/callback?code=4/0code&state=${atProvider.searchParams.get("state")}`

      const elsewhere = yield* Effect.promise(() => makeBrowser(worker).callback(back))
      expect(elsewhere.status).toBe(400)
      const page = yield* Effect.promise(() => browser.callback(back))
      expect(page.status).toBe(200)
      const html = yield* Effect.promise(() => page.text())
      expect(html).toContain(did)
      expect((yield* Effect.promise(() => browser.confirm(confirmationForm(html), { origin: "https://evil.example" }))).status).toBe(403)
      const rows = yield* Effect.promise(() => env.DB.prepare("SELECT COUNT(*) AS n FROM connectors WHERE did = ?1").bind(did).first<{ n: number }>())
      expect(rows).toEqual({ n: 0 })
    }).pipe(Effect.provide(oauthLayer(new Set()))))

  it.effect("Google push: a verified notification for a channel recorded in D1 becomes a calendar-tasks message", () =>
    Effect.gen(function* () {
      const now = Date.now()
      yield* Effect.promise(() =>
        env.DB.prepare("INSERT INTO connectors (id, did, provider, status, created_at, updated_at) VALUES (?1, ?2, 'google', 'active', ?3, ?3)")
          .bind("conn-w1", "did:plc:alice", now).run()
      )
      const channels = makePushChannelsD1(env.DB)
      yield* channels.put({ provider: "google", channelId: "chan-w1", connectorId: "conn-w1", did: "did:plc:alice", calendarId: "primary", resourceId: "res-1", expiresAt: now + 86_400_000, createdAt: now })

      const secret = "workerd-push-secret"
      const sent: Array<CalendarChanged> = []
      const deps = {
        secret,
        findChannel: channels.find,
        // the real queue binding; the copy kept here is what the test can look at
        enqueue: (message: CalendarChanged) => Effect.promise(() => env.CALENDAR_TASKS.send(message)).pipe(Effect.tap(() => sent.push(message)))
      }
      const token = yield* Effect.promise(() => pushChannelToken(secret, "google", "conn-w1"))
      const notification = (channelToken: string, state = "exists") =>
        new Request("https://webhooks.overlap.test/google/notifications", {
          method: "POST",
          headers: {
            "x-goog-channel-id": "chan-w1",
            "x-goog-channel-token": channelToken,
            "x-goog-resource-state": state,
            "x-goog-resource-id": "res-1",
            "x-goog-message-number": "42"
          }
        })

      expect((yield* handleGoogleChannel(notification(token, "sync"), deps)).status).toBe(200)
      expect(sent).toEqual([])
      expect((yield* handleGoogleChannel(notification("forged"), deps)).status).toBe(403)
      expect(sent).toEqual([])
      expect((yield* handleGoogleChannel(notification(token), deps)).status).toBe(200)
      expect(sent).toEqual([{ kind: "calendar-changed", did: "did:plc:alice", connectorId: "conn-w1", provider: "google", idempotencyKey: "google:chan-w1:42" }])

      // the same through the webhooks worker's router, wired to the bindings (D1 + CALENDAR_TASKS)
      const workerEnv = { ...env, PUSH_CHANNEL_SECRET: secret }
      const routed = (request: Request) => Effect.promise(() => routeCalendarPush(request, pushDeps(workerEnv)))
      const at = (path: string, channelToken: string) => new Request(new URL(path, "https://webhooks.overlap.test"), notification(channelToken))
      expect((yield* routed(at(PUSH_PATHS.google, token)))?.status).toBe(200)
      expect((yield* routed(at(PUSH_PATHS.google, "forged")))?.status).toBe(403)
      expect(yield* routed(at("/healthz", token))).toBeUndefined()
    }))

  it.effect("Graph push through the webhooks router in workerd: an oversized post is 413 with { error, message }, a small one is read", () =>
    Effect.gen(function* () {
      const workerEnv = { ...env, PUSH_CHANNEL_SECRET: "workerd-push-secret" }
      const post = (body: string) =>
        new Request(new URL(PUSH_PATHS.microsoft, "https://webhooks.overlap.test"), { method: "POST", headers: { "content-type": "application/json" }, body })
      const big = yield* Effect.promise(() => routeCalendarPush(post(JSON.stringify({ value: [{ subscriptionId: "s", resource: "x".repeat(2 * 1024 * 1024) }] })), pushDeps(workerEnv)))
      expect(big?.status).toBe(413)
      expect(yield* Effect.promise(() => big!.json())).toMatchObject({ error: "PayloadTooLarge", message: expect.any(String) })
      const unknown = yield* Effect.promise(() => routeCalendarPush(post(JSON.stringify({ value: [{ subscriptionId: "s", clientState: "x" }] })), pushDeps(workerEnv)))
      expect(unknown?.status).toBe(403)
    }))
})
