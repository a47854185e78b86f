import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { afterEach, beforeEach } from "vitest"
import { authorizationUrl, base64url, codeChallengeS256, isCodeVerifier, makeCodeVerifier, makeState } from "../../src/domain/oauth/pkce"
import { GOOGLE_REQUIRED_SCOPES, missingScopes } from "../../src/domain/oauth/providers"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeOAuthClientLive, OAUTH_STATE_PREFIX, OAUTH_STATE_TTL_SECONDS, OAUTH_TICKET_PREFIX } from "../../src/adapters/providers/OAuthClientLive"
import { OAuthClientTest } from "../../src/adapters/memory/OAuthClientTest"
import { OAuthClient, type OAuthProvider } from "../../src/services/OAuthClient"
import { connectorEnv, memoryKv } from "../support/connectorEnv"
import { type FakeGoogle, GOOGLE_CLIENT, GOOGLE_SCOPE_EVENTS_OWNED, startFakeGoogle } from "../support/fakeGoogle"
import { type FakeGraph, MICROSOFT_CLIENT, startFakeGraph } from "../support/fakeGraph"

let google: FakeGoogle
let graph: FakeGraph
let kv: ReturnType<typeof memoryKv>

beforeEach(async () => {
  google = await startFakeGoogle()
  graph = await startFakeGraph()
  kv = memoryKv()
})
afterEach(async () => {
  expect(google.malformed).toEqual([])
  expect(graph.malformed).toEqual([])
  await google.close()
  await graph.close()
})

const vars = (): Partial<Env> => ({
  PUBLIC_URL: "https://overlap.test/",
  GOOGLE_CLIENT_ID: GOOGLE_CLIENT.id,
  GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT.secret,
  GOOGLE_ACCOUNTS_BASE: google.url,
  GOOGLE_OAUTH_BASE: google.url,
  MICROSOFT_CLIENT_ID: MICROSOFT_CLIENT.id,
  MICROSOFT_CLIENT_SECRET: MICROSOFT_CLIENT.secret,
  MICROSOFT_LOGIN_BASE: `${graph.url}/common`
})

const live = (overrides: Partial<Env> = {}) =>
  makeOAuthClientLive().pipe(
    Layer.provide(CloudflareEnv.layer(connectorEnv({ ...vars(), ...overrides, SESSION_NONCES: kv }))),
    Layer.provide(FetchHttpClient.layer)
  )

/** This browser's flow-cookie nonce (what the begin route would set). */
const NONCE = makeState()
const OTHER_NONCE = makeState()

/** connector.start, then the same browser opening the begin link: the provider's authorization URL, bound to `nonce`. */
const startedFlow = (provider: OAuthProvider, did: string, nonce = NONCE) =>
  Effect.gen(function* () {
    const oauth = yield* OAuthClient
    const ticket = yield* oauth.start(provider, did)
    expect(ticket.authorizationUrl).toBe(`https://overlap.test/oauth/${provider}/begin?ticket=${ticket.ticket}`)
    return yield* oauth.begin(provider, ticket.ticket, nonce)
  })

/** The user's browser: follows the authorization URL to the provider, which redirects back with code + state. */
const consent = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { redirect: "manual" })
    expect(response.status).toBe(302)
    const back = new URL(response.headers.get("location")!)
    return { redirect: back, code: back.searchParams.get("code")!, state: back.searchParams.get("state")! }
  })

describe("PKCE", () => {
  it("S256 matches RFC 7636 appendix B", async () => {
    expect(await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
  })

  it("verifiers and states are 256-bit base64url, fresh each time", async () => {
    const a = makeCodeVerifier()
    expect(isCodeVerifier(a)).toBe(true)
    expect(a).toHaveLength(43)
    expect(makeCodeVerifier()).not.toBe(a)
    expect(makeState()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(base64url(new Uint8Array([251, 255]))).toBe("-_8")
    await expect(codeChallengeS256("too-short")).rejects.toThrow()
  })

  it("the authorization URL carries the PKCE challenge, state and scopes", () => {
    const url = new URL(authorizationUrl({
      authorizeUrl: "https://accounts.example/auth",
      clientId: "cid",
      redirectUri: "https://overlap.test/oauth/google/callback",
      scopes: ["a", "b"],
      state: "s".repeat(43),
      codeChallenge: "c".repeat(43),
      extra: { access_type: "offline" }
    }))
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "cid",
      redirect_uri: "https://overlap.test/oauth/google/callback",
      scope: "a b",
      state: "s".repeat(43),
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
      access_type: "offline"
    })
  })

  it("granted-scope checks accept broader scopes and catch unticked ones", () => {
    expect(missingScopes("google", GOOGLE_REQUIRED_SCOPES.join(" "), true)).toEqual([])
    expect(missingScopes("google", "https://www.googleapis.com/auth/calendar", true)).toEqual([])
    expect(missingScopes("google", "https://www.googleapis.com/auth/calendar.freebusy", true)).toHaveLength(2)
    expect(missingScopes("microsoft", "https://graph.microsoft.com/Calendars.ReadWrite", true)).toEqual([])
    expect(missingScopes("microsoft", "https://graph.microsoft.com/Calendars.Read", true)).toEqual(["Calendars.ReadWrite"])
  })
})

describe("OAuthClient (Live) against the local providers", () => {
  it.effect("Google: start → consent → callback exchanges the code with the PKCE verifier; state is single use", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const started = yield* startedFlow("google", "did:plc:alice")
      const authorize = new URL(started.authorizationUrl)
      expect(authorize.origin + authorize.pathname).toBe(`${google.url}/o/oauth2/v2/auth`)
      expect(authorize.searchParams.get("scope")!.split(" ")).toEqual([...GOOGLE_REQUIRED_SCOPES])
      expect(authorize.searchParams.get("code_challenge_method")).toBe("S256")
      expect(authorize.searchParams.get("redirect_uri")).toBe("https://overlap.test/oauth/google/callback")
      expect(authorize.searchParams.get("access_type")).toBe("offline")
      // state + verifier stored for 10 minutes under the state
      const stored = kv.entries.get(`${OAUTH_STATE_PREFIX}${started.state}`)!
      expect(stored.expirationTtl).toBe(OAUTH_STATE_TTL_SECONDS)
      const verifier = JSON.parse(stored.value).verifier as string
      expect(yield* Effect.promise(() => codeChallengeS256(verifier))).toBe(authorize.searchParams.get("code_challenge"))

      const { code, state } = yield* consent(started.authorizationUrl)
      expect(state).toBe(started.state)
      const result = yield* oauth.callback("google", code, state, NONCE)
      expect(result.did).toBe("did:plc:alice")
      expect(result.tokens.accessToken).toMatch(/^ya29-/)
      expect(google.refreshTokens.has(result.tokens.refreshToken)).toBe(true)
      expect(result.tokens.expiresAt).toBe(3599 * 1000) // TestClock at 0
      const exchange = new URLSearchParams(google.calls(/^\/token$/)[0]!.body)
      expect(exchange.get("code_verifier")).toBe(verifier)
      expect(exchange.get("grant_type")).toBe("authorization_code")
      expect(kv.entries.size).toBe(0)

      expect(yield* Effect.flip(oauth.callback("google", code, state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
    }).pipe(Effect.provide(live())))

  it.effect("a state older than 10 minutes, for another provider, or unknown is refused", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const old = yield* startedFlow("google", "did:plc:alice")
      yield* TestClock.adjust("11 minutes")
      const { code } = yield* consent(old.authorizationUrl)
      expect(yield* Effect.flip(oauth.callback("google", code, old.state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "expired state" })
      const fresh = yield* startedFlow("google", "did:plc:alice")
      expect(yield* Effect.flip(oauth.callback("microsoft", "code", fresh.state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was issued for another provider" })
      // …and the refused state is spent
      expect(yield* Effect.flip(oauth.callback("google", code, fresh.state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      expect(yield* Effect.flip(oauth.callback("google", code, "A".repeat(43), NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      // tickets too: expired, for another provider, used twice
      const late = yield* oauth.start("google", "did:plc:alice")
      yield* TestClock.adjust("11 minutes")
      expect(yield* Effect.flip(oauth.begin("google", late.ticket, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "expired ticket" })
      const other = yield* oauth.start("google", "did:plc:alice")
      expect(yield* Effect.flip(oauth.begin("microsoft", other.ticket, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "ticket was issued for another provider" })
      expect(yield* Effect.flip(oauth.begin("google", other.ticket, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "unknown, used or expired ticket" })
      expect(google.calls(/^\/token$/)).toHaveLength(0) // nothing reached the token endpoint
    }).pipe(Effect.provide(live())))

  it.effect("the state is bound to the browser that opened the begin link: another browser's nonce, or none, is refused before any exchange", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const ticket = yield* oauth.start("google", "did:plc:attacker")
      expect(kv.entries.get(`${OAUTH_TICKET_PREFIX}${ticket.ticket}`)!.expirationTtl).toBe(OAUTH_STATE_TTL_SECONDS)
      // The attacker's browser opens the link; the victim completes the consent in theirs.
      const attackers = yield* oauth.begin("google", ticket.ticket, NONCE)
      expect(kv.entries.has(`${OAUTH_TICKET_PREFIX}${ticket.ticket}`)).toBe(false)
      const record = JSON.parse(kv.entries.get(`${OAUTH_STATE_PREFIX}${attackers.state}`)!.value)
      expect(record.nonceHash).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(JSON.stringify(record)).not.toContain(NONCE) // only the hash is kept
      const { code, state } = yield* consent(attackers.authorizationUrl)
      expect(yield* Effect.flip(oauth.pending("google", state, OTHER_NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was started in another browser" })
      expect(yield* Effect.flip(oauth.pending("google", state, ""))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was started in another browser" })
      expect(yield* oauth.pending("google", state, NONCE)).toEqual({ did: "did:plc:attacker", provider: "google" }) // pending consumes nothing
      expect(yield* Effect.flip(oauth.callback("google", code, state, OTHER_NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was started in another browser" })
      // refused, and spent: not even the right browser can use it now
      expect(yield* Effect.flip(oauth.callback("google", code, state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      expect(google.calls(/^\/token$/)).toHaveLength(0)
      // a state stored before browser binding (v1, no nonce hash) is refused
      const legacy = makeState()
      kv.entries.set(`${OAUTH_STATE_PREFIX}${legacy}`, { value: JSON.stringify({ v: 1, provider: "google", did: "did:plc:attacker", verifier: makeCodeVerifier(), createdAt: 0 }), expirationTtl: 600 })
      expect(yield* Effect.flip(oauth.callback("google", code, legacy, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "corrupt state record" })
    }).pipe(Effect.provide(live())))

  it.effect("Google: a user who unticks the events scope gets OAuthGrantIncomplete, not a half-working connector", () =>
    Effect.gen(function* () {
      google.grantScopes = (requested) => requested.filter((s) => s !== GOOGLE_SCOPE_EVENTS_OWNED)
      const oauth = yield* OAuthClient
      const started = yield* startedFlow("google", "did:plc:alice")
      const { code, state } = yield* consent(started.authorizationUrl)
      expect(yield* Effect.flip(oauth.callback("google", code, state, NONCE))).toMatchObject({ _tag: "OAuthGrantIncomplete", missing: [GOOGLE_SCOPE_EVENTS_OWNED] })
    }).pipe(Effect.provide(live())))

  it.effect("Google: refresh keeps the refresh token; invalid_grant → ConnectorBroken; revoke kills the grant", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const { refreshToken } = google.issueTokens()
      const refreshed = yield* oauth.refresh("google", refreshToken, "conn-1")
      expect(refreshed.refreshToken).toBe(refreshToken)
      expect(google.accessTokens.has(refreshed.accessToken)).toBe(true)

      yield* oauth.revoke("google", refreshToken)
      expect(new URLSearchParams(google.calls(/^\/revoke$/)[0]!.body).get("token")).toBe(refreshToken)
      expect(yield* Effect.flip(oauth.refresh("google", refreshToken, "conn-1"))).toMatchObject({ _tag: "ConnectorBroken", provider: "google", connectorId: "conn-1", reason: "invalid_grant" })
      yield* oauth.revoke("google", refreshToken) // revoking twice succeeds (RFC 7009)
    }).pipe(Effect.provide(live())))

  it.effect("Microsoft: start → consent → callback; refresh rotates the refresh token; reuse is invalid_grant", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const started = yield* startedFlow("microsoft", "did:plc:bob")
      const authorize = new URL(started.authorizationUrl)
      expect(authorize.origin + authorize.pathname).toBe(`${graph.url}/common/oauth2/v2.0/authorize`)
      expect(authorize.searchParams.get("scope")).toBe("offline_access Calendars.ReadWrite")
      expect(authorize.searchParams.get("code_challenge_method")).toBe("S256")
      const { code, state } = yield* consent(started.authorizationUrl)
      const result = yield* oauth.callback("microsoft", code, state, NONCE)
      expect(result).toMatchObject({ did: "did:plc:bob", provider: "microsoft" })
      expect(new URLSearchParams(graph.calls(/token$/)[0]!.body).get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/)

      const refreshed = yield* oauth.refresh("microsoft", result.tokens.refreshToken, "conn-2")
      expect(refreshed.refreshToken).not.toBe(result.tokens.refreshToken)
      expect(yield* Effect.flip(oauth.refresh("microsoft", result.tokens.refreshToken, "conn-2"))).toMatchObject({ _tag: "ConnectorBroken", reason: "invalid_grant" })
      // Microsoft has no per-grant revocation endpoint: revoke succeeds without a request
      const before = graph.requests.length
      yield* oauth.revoke("microsoft", refreshed.refreshToken)
      expect(graph.requests.length).toBe(before)
    }).pipe(Effect.provide(live())))

  it.effect("a wrong PKCE verifier is refused by the provider (the fake checks S256)", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const started = yield* startedFlow("microsoft", "did:plc:bob")
      const { code, state } = yield* consent(started.authorizationUrl)
      // swap the stored verifier for another valid one: the exchange must fail
      const key = `${OAUTH_STATE_PREFIX}${state}`
      const record = JSON.parse(kv.entries.get(key)!.value)
      kv.entries.set(key, { value: JSON.stringify({ ...record, verifier: makeCodeVerifier() }), expirationTtl: 600 })
      expect(yield* Effect.flip(oauth.callback("microsoft", code, state, NONCE))).toMatchObject({ _tag: "ConnectorBroken", reason: "invalid_grant" })
    }).pipe(Effect.provide(live())))

  it.effect("token endpoint 429 → ProviderRateLimited; 5xx → ProviderUnavailable", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const { refreshToken } = google.issueTokens()
      google.faults.push({ path: /^\/token$/, status: 429, headers: { "retry-after": "12" }, body: { error: "rate_limit_exceeded" } })
      expect(yield* Effect.flip(oauth.refresh("google", refreshToken))).toMatchObject({ _tag: "ProviderRateLimited", retryAfterMs: 12_000 })
      google.faults.push({ path: /^\/token$/, status: 503, body: "Service Unavailable" })
      expect(yield* Effect.flip(oauth.refresh("google", refreshToken))).toMatchObject({ _tag: "ProviderUnavailable" })
    }).pipe(Effect.provide(live())))

  it.effect("a provider without client id / secret / public URL is OAuthNotConfigured", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      expect(yield* Effect.flip(oauth.start("google", "did:plc:alice"))).toMatchObject({ _tag: "OAuthNotConfigured", missing: ["GOOGLE_CLIENT_ID"] })
      expect(yield* Effect.flip(oauth.begin("google", makeState(), NONCE))).toMatchObject({ _tag: "OAuthNotConfigured" })
      // the other provider still works
      yield* oauth.start("microsoft", "did:plc:alice")
    }).pipe(Effect.provide(live({ GOOGLE_CLIENT_ID: "" }))))
})

describe("OAuthClientTest", () => {
  it.effect("keeps the Live promises: single-use state, rotation, invalid_grant on reuse", () =>
    Effect.gen(function* () {
      const oauth = yield* OAuthClient
      const ticket = yield* oauth.start("google", "did:plc:alice")
      const started = yield* oauth.begin("google", ticket.ticket, NONCE)
      expect(yield* Effect.flip(oauth.begin("google", ticket.ticket, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      expect(yield* oauth.pending("google", started.state, NONCE)).toEqual({ did: "did:plc:alice", provider: "google" })
      expect(yield* Effect.flip(oauth.pending("google", started.state, OTHER_NONCE))).toMatchObject({ _tag: "OAuthStateInvalid", reason: "state was started in another browser" })
      expect(yield* Effect.flip(oauth.callback("google", "any-code", started.state, OTHER_NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      const again = yield* oauth.begin("google", (yield* oauth.start("google", "did:plc:alice")).ticket, NONCE)
      const { tokens } = yield* oauth.callback("google", "any-code", again.state, NONCE)
      expect(yield* Effect.flip(oauth.callback("google", "any-code", again.state, NONCE))).toMatchObject({ _tag: "OAuthStateInvalid" })
      const next = yield* oauth.refresh("google", tokens.refreshToken)
      expect(next.refreshToken).not.toBe(tokens.refreshToken)
      expect(yield* Effect.flip(oauth.refresh("google", tokens.refreshToken))).toMatchObject({ _tag: "ConnectorBroken" })
    }).pipe(Effect.provide(OAuthClientTest)))
})
