import { env, fetchMock, runInDurableObject } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { handleOAuthRoute } from "../../src/features/connectors/oauthCallback"
import { makeXrpcHandler } from "../../src/features/xrpcHandler"
import type { ConnectorNotice } from "../../src/domain/calendar/connectorNotice"
import { codeChallengeS256 } from "../../src/domain/oauth/pkce"
import { type ConfigurableUserConnectorDO as UserConnectorDO, overrideConnectorEnv } from "../support/appviewTestWorker"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { calendarProviderFor, connectorServices } from "../../src/entry/connectorsGraph"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { CalendarProvider } from "../../src/services/CalendarProvider"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { TokenVault } from "../../src/services/TokenVault"
import { UserConnectors } from "../../src/services/UserConnectors"
import { confirmationForm, makeBrowser } from "./oauthBrowser"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"

/**
 * UserConnectorDO inside workerd: the real object (RPC, its own runtime), D1, KV, R2 and the AppView's
 * connector wiring (XRPC connector.start, the OAuth callback route, UserConnectors over USER_CONNECTOR, the
 * production CalendarProvider). Google's endpoints are scripted with fetchMock from their documented shapes
 * (workerd cannot start the Node fakes; userConnectors.test.ts runs the same engine against them).
 */

// fetchMock is one for the whole runtime and its interceptors outlive a test: every test talks to its own
// origins, so nothing one test scripted can answer another.
let run = 0
let ACCOUNTS = ""
let OAUTH = ""
let API = ""
const SCOPES = [
  "https://www.googleapis.com/auth/calendar.freebusy",
  "https://www.googleapis.com/auth/calendar.events.owned",
  "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
].join(" ")
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 5, 1, 8)

/** What the object and the AppView read from env in these tests (wrangler.toml leaves the client empty). */
const notices: Array<ConnectorNotice> = []
const makeOverrides = (): Partial<Env> => ({
  PUBLIC_URL: "https://overlap.test",
  WEBHOOKS_PUBLIC_URL: "https://hooks.overlap.test",
  PUSH_CHANNEL_SECRET: "push-secret-for-tests",
  GOOGLE_CLIENT_ID: "cid.apps.googleusercontent.com",
  GOOGLE_CLIENT_SECRET: "google-client-secret",
  GOOGLE_ACCOUNTS_BASE: ACCOUNTS,
  GOOGLE_OAUTH_BASE: OAUTH,
  GOOGLE_API_BASE: API,
  // Same isolate: the object's notices land here instead of on the notify-tasks queue.
  NOTIFY_TASKS: { send: async (body: ConnectorNotice) => void notices.push(body), sendBatch: async () => {} } as unknown as Queue
})
let overrides: Partial<Env> = {}
let testEnv = env as Env

const stubOf = (did: string) => env.USER_CONNECTOR.get(env.USER_CONNECTOR.idFromName(did)) as DurableObjectStub<UserConnectorDO>
const configureObject = (did: string) =>
  runInDurableObject(stubOf(did), (object: UserConnectorDO) => object[overrideConnectorEnv](overrides))

/** The AppView's services over the test env (one runtime per test: storage is isolated per test). */
const appview = (accounts: ReadonlyArray<TestAccount> = []) => {
  const repositories = RepositoriesLive.pipe(Layer.provide(CloudflareEnv.layer(testEnv)))
  const services = Layer.mergeAll(
    repositories,
    connectorServices(testEnv, repositories),
    serviceAuthFor(accounts)(repositories),
    RateLimiterTest,
    TurnstileTest
  )
  return ManagedRuntime.make(services)
}

const json = (body: unknown) => JSON.stringify(body)
const jsonHeaders = { headers: { "content-type": "application/json" } }

/**
 * The token endpoint: checks the client as Google would, records every grant (grant_type, and the form for
 * checks the test makes afterwards), answers from `answer`. `delayMs` holds each answer back (a slow provider).
 */
const tokenEndpoint = (answer: (form: URLSearchParams) => { status: number; body: unknown }, delayMs = 0) => {
  const grants: Array<string> = []
  const forms: Array<URLSearchParams> = []
  const scope = fetchMock.get(OAUTH).intercept({ path: "/token", method: "POST" }).reply((request) => {
    const form = new URLSearchParams(String(request.body))
    const wellFormed = form.get("client_id") === overrides.GOOGLE_CLIENT_ID && form.get("client_secret") === overrides.GOOGLE_CLIENT_SECRET
    grants.push(wellFormed ? form.get("grant_type") ?? "" : "malformed")
    forms.push(form)
    const { status, body } = wellFormed ? answer(form) : { status: 401, body: { error: "invalid_client" } }
    return { statusCode: status, data: json(body), responseOptions: jsonHeaders }
  })
  if (delayMs > 0) scope.delay(delayMs)
  scope.persist()
  return Object.assign(grants, { forms })
}

/** freeBusy for the primary calendar; `busy` per request; records the bearer tokens it saw. */
const freeBusyEndpoint = (respond: (token: string, body: { timeMin: string; timeMax: string }) => { status: number; body: unknown }) => {
  const seen: Array<string> = []
  fetchMock.get(API).intercept({ path: "/calendar/v3/freeBusy", method: "POST" }).reply((request) => {
    const headers = request.headers as Record<string, string>
    const token = (headers.authorization ?? headers.Authorization ?? "").replace(/^Bearer /, "")
    seen.push(token)
    const { status, body } = respond(token, JSON.parse(String(request.body)))
    return { statusCode: status, data: json(body), responseOptions: jsonHeaders }
  }).persist()
  return seen
}

const busyAnswer = (body: { timeMin: string; timeMax: string }, busy: ReadonlyArray<{ start: number; end: number }>) => ({
  status: 200,
  body: {
    kind: "calendar#freeBusy",
    timeMin: body.timeMin,
    timeMax: body.timeMax,
    calendars: { primary: { busy: busy.map((b) => ({ start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() })) } }
  }
})
const unauthorized = { status: 401, body: { error: { code: 401, message: "Request had invalid authentication credentials.", errors: [{ reason: "authError" }] } } }

/** Seeds a Google connector as a finished connect leaves it: refresh token sealed, no access token anywhere. */
const seedGoogle = (runtime: ReturnType<typeof appview>, did: string, refreshToken: string, id = "google-seeded") =>
  runtime.runPromise(Effect.gen(function*() {
    const vault = yield* TokenVault
    const repo = yield* ConnectorsRepo
    const sealed = yield* vault.encrypt(refreshToken, { did, provider: "google", connectorId: id })
    return yield* repo.create({
      id,
      did,
      provider: "google",
      status: "active",
      accountRef: "alice@example.com",
      sealed,
      tokenExpiresAt: 0,
      calendars: [{ id: "alice@example.com", name: "Alice", primary: true, checkBusy: true }]
    })
  }))

// ---------------------------------------------------------------- storage scan

const decoder = new TextDecoder()
const asText = (value: unknown): string => {
  if (value instanceof ArrayBuffer) return decoder.decode(value)
  if (ArrayBuffer.isView(value)) return decoder.decode(value as Uint8Array)
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return decoder.decode(new Uint8Array(value))
  if (typeof value === "object" && value !== null) return Object.values(value).map(asText).join("\n")
  return String(value)
}

/** Every place Overlap stores anything: each D1 table, each KV namespace, the R2 bucket, the user's object. */
const everythingStored = async (did: string): Promise<Array<{ where: string; text: string }>> => {
  const found: Array<{ where: string; text: string }> = []
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").all<{ name: string }>()
  expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(["connectors", "connector_push_channels", "connector_sync_state", "bookings"]))
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all()
    for (const row of rows.results) found.push({ where: `D1 ${name}`, text: `${JSON.stringify(row)}\n${asText(row)}` })
  }
  for (const binding of ["GRAPH_CACHE", "FEATURES", "SESSION_NONCES"] as const) {
    const kv = env[binding]
    const listed = await kv.list()
    for (const key of listed.keys) found.push({ where: `KV ${binding}`, text: `${key.name}\n${await kv.get(key.name)}` })
  }
  const objects = await env.BLOBS.list()
  for (const object of objects.objects) found.push({ where: "R2 BLOBS", text: `${object.key}\n${await (await env.BLOBS.get(object.key))!.text()}` })
  await runInDurableObject(stubOf(did), async (_object, state) => {
    for (const [key, value] of await state.storage.list()) found.push({ where: "UserConnectorDO storage", text: `${key}\n${asText(value)}` })
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray()
    // _cf_* are the runtime's own tables (the key-value API's rows, read through storage.list above).
    for (const table of tables.filter((t) => !t.name.startsWith("_cf_"))) {
      for (const row of state.storage.sql.exec(`SELECT * FROM "${table.name}"`).toArray()) found.push({ where: `UserConnectorDO sql ${table.name}`, text: asText(row) })
    }
  })
  return found
}

const leaksOf = (stored: ReadonlyArray<{ where: string; text: string }>, secrets: ReadonlyArray<string>) =>
  stored.flatMap(({ text, where }) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${where}`))

// ---------------------------------------------------------------- tests

beforeAll(() => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
beforeEach(() => {
  run++
  ACCOUNTS = `https://accounts-${run}.fake.test`
  OAUTH = `https://oauth2-${run}.fake.test`
  API = `https://api-${run}.fake.test`
  overrides = makeOverrides()
  testEnv = { ...env, ...overrides } as Env
})
afterEach(() => {
  notices.length = 0
})
afterAll(() => {
  fetchMock.enableNetConnect()
  fetchMock.deactivate()
})

describe("UserConnectorDO in workerd", () => {
  it("connect, refresh, use: no plaintext token anywhere in D1, KV, R2 or the object's storage", async () => {
    const alice = await makeAccount("dotokens")
    const runtime = appview([alice])
    const xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext((await runtime.runtime()).context)))
    await configureObject(alice.did)

    // 1. connector.start (XRPC, service-auth) → Google's authorization URL with PKCE.
    const started = await xrpc.handle(new Request("https://overlap.test/xrpc/app.overlap.connector.start", {
      method: "POST",
      headers: { authorization: `Bearer ${await alice.token("app.overlap.connector.start")}`, "content-type": "application/json" },
      body: json({ provider: "google" })
    }))
    expect(started.status).toBe(200)
    // …the one-time link to the AppView; the user's browser opens it (flow cookie set) and is sent on to Google.
    const link = ((await started.json()) as { authorizationUrl: string }).authorizationUrl
    expect(link).toMatch(/^https:\/\/overlap\.test\/oauth\/google\/begin\?ticket=/)
    const browser = makeBrowser((request) => runtime.runPromise(handleOAuthRoute(request)))
    const authorizationUrl = new URL(await browser.begin(link))
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${ACCOUNTS}/o/oauth2/v2/auth`)
    const state = authorizationUrl.searchParams.get("state")!
    const challenge = authorizationUrl.searchParams.get("code_challenge")!

    // The tokens Google issues in this story; none may be stored in plaintext.
    const tokens = { access1: "ya29.first-access-token-aaaaaaaa", refresh1: "1//first-refresh-token-bbbbbbbb", access2: "ya29.second-access-token-cccccccc", refresh2: "1//second-refresh-token-dddddddd" }
    const grants = tokenEndpoint((form) => {
      if (form.get("grant_type") === "authorization_code") {
        if (form.get("code") !== "4/0code-from-google") return { status: 400, body: { error: "invalid_grant" } }
        return { status: 200, body: { access_token: tokens.access1, refresh_token: tokens.refresh1, expires_in: 3599, scope: SCOPES, token_type: "Bearer" } }
      }
      // Rotation, as Microsoft always does and Google may: the new refresh token must be sealed in its place.
      if (form.get("refresh_token") !== tokens.refresh1) return { status: 400, body: { error: "invalid_grant" } }
      return { status: 200, body: { access_token: tokens.access2, refresh_token: tokens.refresh2, expires_in: 3599, scope: SCOPES, token_type: "Bearer" } }
    })
    fetchMock.get(API).intercept({ path: (p) => p.startsWith("/calendar/v3/users/me/calendarList"), method: "GET", headers: { authorization: `Bearer ${tokens.access1}` } })
      .reply(200, json({ items: [{ id: "alice@example.com", summary: "Alice", primary: true, accessRole: "owner" }] }), jsonHeaders)
    fetchMock.get(API).intercept({ path: "/calendar/v3/calendars/alice%40example.com/events/watch", method: "POST" }).reply((request) => {
      const body = JSON.parse(String(request.body)) as { id: string; address: string; token: string; type: string }
      expect(body).toMatchObject({ type: "web_hook", address: "https://hooks.overlap.test/push/google" })
      return { statusCode: 200, data: json({ kind: "api#channel", id: body.id, resourceId: "res-1", expiration: String(Date.now() + 7 * 24 * HOUR) }), responseOptions: jsonHeaders }
    })
    // The first access token is refused once (revoked at Google, say): the object refreshes and retries.
    const bearers = freeBusyEndpoint((token, body) => (token === tokens.access1 ? unauthorized : busyAnswer(body, [{ start: T0 + HOUR, end: T0 + 2 * HOUR }])))

    // 2. The provider sends the browser back: the AppView's callback route (GET /oauth/google/callback).
    //    It asks which Overlap account to connect to (nothing stored yet); the confirmation POST connects.
    const confirmation = await browser.callback(`https://overlap.test/oauth/google/callback?state=${state}&code=4/0code-from-google&scope=${encodeURIComponent(SCOPES)}`)
    expect(confirmation.status).toBe(200)
    const html = await confirmation.text()
    expect(html).toContain(alice.did)
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM connectors").first<{ n: number }>()).toEqual({ n: 0 })
    expect([...grants]).toEqual([])
    const callback = await browser.confirm(confirmationForm(html))
    expect(callback.status).toBe(303)
    expect(callback.headers.get("location")).toBe("https://overlap.test/oauth/connected?provider=google")

    // 3. Use: busy through UserConnectors → the object → 401 → one refresh → busy.
    const busy = await runtime.runPromise(Effect.flatMap(UserConnectors, (c) => c.busy(alice.did, { start: T0, end: T0 + 8 * HOUR })))
    expect(busy).toEqual([{ start: T0 + HOUR, end: T0 + 2 * HOUR }])
    expect([...grants]).toEqual(["authorization_code", "refresh_token"])
    // PKCE: the exchange carried the verifier whose S256 is the challenge of the authorization URL.
    expect(await codeChallengeS256(grants.forms[0]!.get("code_verifier")!)).toBe(challenge)
    expect(bearers).toEqual([tokens.access1, tokens.access2])

    // 4. listConnectors shows the connector, and nothing of its credential.
    const listed = await xrpc.handle(new Request("https://overlap.test/xrpc/app.overlap.listConnectors", {
      headers: { authorization: `Bearer ${await alice.token("app.overlap.listConnectors")}` }
    }))
    const view = (await listed.json()) as { connectors: Array<Record<string, unknown>> }
    expect(view.connectors).toHaveLength(1)
    expect(Object.keys(view.connectors[0]!).sort()).toEqual(["accountLabel", "calendars", "id", "lastSyncAt", "provider", "status"])
    expect(view.connectors[0]).toMatchObject({ provider: "google", status: "active", accountLabel: "alice@example.com" })

    // 5. The scan. The stored credential is ciphertext that opens to the rotated refresh token.
    const row = await env.DB.prepare("SELECT status, typeof(token_ciphertext) AS kind, CAST(token_ciphertext AS TEXT) AS sealed FROM connectors").first<{ status: string; kind: string; sealed: string }>()
    expect(row).toMatchObject({ status: "active", kind: "blob" })
    const opened = await runtime.runPromise(Effect.flatMap(TokenVault, (v) => v.decrypt(row!.sealed, { did: alice.did, provider: "google", connectorId: view.connectors[0]!.id as string })))
    expect(opened).toBe(tokens.refresh2)
    const stored = await everythingStored(alice.did)
    expect(stored.some((s) => s.where === "D1 connectors")).toBe(true)
    expect(leaksOf(stored, Object.values(tokens))).toEqual([])

    // The scan does find a token where one is: plant one and look again.
    await env.FEATURES.put("planted", `leak:${tokens.refresh2}`)
    expect(leaksOf(await everythingStored(alice.did), Object.values(tokens))).toEqual([`${tokens.refresh2} in KV FEATURES`])
    await env.FEATURES.delete("planted")
    await xrpc.dispose()
    await runtime.dispose()
  })

  it("one refresher: two concurrent busy calls with no valid access token make exactly one refresh request", async () => {
    const did = "did:plc:dosingle0000000000000000"
    const runtime = appview()
    await seedGoogle(runtime, did, "1//refresh-single-use")
    await configureObject(did)
    let issued = 0
    // Slow (100 ms), so the second caller is certainly waiting while the first refresh is in flight.
    const grants = tokenEndpoint((form) =>
      form.get("refresh_token") === "1//refresh-single-use"
        ? { status: 200, body: { access_token: `ya29.access-${++issued}`, expires_in: 3599, scope: SCOPES } }
        : { status: 400, body: { error: "invalid_grant" } }, 100)
    const bearers = freeBusyEndpoint((_token, body) => busyAnswer(body, []))
    const stub = stubOf(did)
    const [a, b] = await Promise.all([stub.busy(did, { start: T0, end: T0 + HOUR }), stub.busy(did, { start: T0, end: T0 + 2 * HOUR })])
    expect(a).toMatchObject({ _tag: "Right" })
    expect(b).toMatchObject({ _tag: "Right" })
    expect([...grants]).toEqual(["refresh_token"])
    expect(bearers).toEqual(["ya29.access-1", "ya29.access-1"])
    await runtime.dispose()
  })

  it("invalid_grant: the connector is marked broken in D1, a notice goes to notify-tasks, and busy fails from then on", async () => {
    const did = "did:plc:dobroken0000000000000000"
    const runtime = appview()
    const row = await seedGoogle(runtime, did, "1//revoked-refresh-token")
    await configureObject(did)
    const grants = tokenEndpoint(() => ({ status: 400, body: { error: "invalid_grant", error_description: "Token has been expired or revoked." } }))
    const bearers = freeBusyEndpoint((_token, body) => busyAnswer(body, []))
    const provider = await runtime.runPromise(Effect.map(CalendarProvider, (p) => p))

    const first = await runtime.runPromise(Effect.flip(provider.busy(did, { start: T0, end: T0 + HOUR })))
    expect(first).toMatchObject({ _tag: "ConnectorBroken", connectorId: row.id, reason: "invalid_grant" })
    expect(await env.DB.prepare("SELECT status FROM connectors WHERE id = ?").bind(row.id).first("status")).toBe("broken")
    expect(notices).toEqual([expect.objectContaining({ kind: "connector-broken", did, recipients: [did], connectorId: row.id, provider: "google" })])

    // Matching refuses rather than falling back to the local calendar: busy keeps failing, with no provider call.
    const again = await runtime.runPromise(Effect.flip(provider.busy(did, { start: T0, end: T0 + 3 * HOUR })))
    expect(again).toMatchObject({ _tag: "ConnectorBroken", connectorId: row.id })
    expect([...grants]).toEqual(["refresh_token"])
    expect(bearers).toEqual([])
    expect(notices).toHaveLength(1)
    await runtime.dispose()
  })

  it("the free/busy cache lives in the object's memory: a repeated range is not fetched again, nothing is written", async () => {
    const did = "did:plc:docache00000000000000000"
    const runtime = appview()
    await seedGoogle(runtime, did, "1//refresh-cache")
    await configureObject(did)
    tokenEndpoint(() => ({ status: 200, body: { access_token: "ya29.cache", expires_in: 3599, scope: SCOPES } }))
    const bearers = freeBusyEndpoint((_token, body) => busyAnswer(body, [{ start: T0, end: T0 + HOUR }]))
    const stub = stubOf(did)
    const range = { start: T0, end: T0 + 4 * HOUR }
    expect(await stub.busy(did, range)).toEqual(await stub.busy(did, range))
    expect(bearers).toHaveLength(1)
    await runInDurableObject(stub, async (_object, state) => {
      expect([...(await state.storage.list()).keys()]).toEqual([])
    })
    await runtime.dispose()
  })

  it("CalendarProviderLive: no connector means the local calendar; with one, the user's object, merged with local events", async () => {
    const runtime = appview()
    const local = "did:plc:dolocal00000000000000000"
    const connected = "did:plc:doconnected0000000000000"
    const insert = (did: string, start: number, end: number) =>
      env.DB.prepare(`INSERT INTO local_calendar_events (did, event_id, start_at, end_at, status, booking_id, summary, tz, created_at, updated_at, version)
                      VALUES (?, ?, ?, ?, 'confirmed', NULL, 'own', 'UTC', 0, 0, 1)`).bind(did, crypto.randomUUID(), start, end).run()
    await insert(local, T0, T0 + HOUR)
    await insert(connected, T0 + 5 * HOUR, T0 + 6 * HOUR)
    await seedGoogle(runtime, connected, "1//refresh-routing")
    await configureObject(connected)
    tokenEndpoint(() => ({ status: 200, body: { access_token: "ya29.routing", expires_in: 3599, scope: SCOPES } }))
    const bearers = freeBusyEndpoint((_token, body) => busyAnswer(body, [{ start: T0 + 2 * HOUR, end: T0 + 3 * HOUR }]))
    const range = { start: T0, end: T0 + 8 * HOUR }
    // As HostMatchDO builds it: its own D1 layer, the connectors over USER_CONNECTOR.
    const calendars = calendarProviderFor(testEnv, D1Live.pipe(Layer.provide(CloudflareEnv.layer(testEnv))))
    const [ownOnly, merged, localHold] = await Effect.runPromise(Effect.flatMap(CalendarProvider, (provider) =>
      Effect.all([
        provider.busy(local, range),
        provider.busy(connected, range),
        provider.placeHold(local, { bookingId: "bk-local", start: T0 + 4 * HOUR, end: T0 + 5 * HOUR, tz: "UTC", summary: "held" })
      ])).pipe(Effect.provide(calendars)))
    expect(ownOnly).toEqual([{ start: T0, end: T0 + HOUR }])
    expect(merged).toEqual([{ start: T0 + 2 * HOUR, end: T0 + 3 * HOUR }, { start: T0 + 5 * HOUR, end: T0 + 6 * HOUR }])
    expect(localHold).toMatchObject({ provider: "local" })
    expect(bearers).toEqual(["ya29.routing"])
    await runtime.dispose()
  })
})
