import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { ConnectorSettings } from "../../src/features/connectors/ConnectorSettings"
import { UserConnectorsInProcess } from "../../src/features/connectors/UserConnectorsInProcess"
import { ProviderAdaptersLive } from "../../src/entry/providerAdapters"
import { OAuthClientTest } from "../../src/adapters/memory/OAuthClientTest"
import { PushChannelsTest } from "../../src/adapters/memory/PushChannelsTest"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { TokenVaultTest } from "../../src/adapters/memory/TokenVaultTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { ConnectorNotices } from "../../src/services/ConnectorNotices"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { TokenVault } from "../../src/services/TokenVault"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { type Radicale, startRadicale } from "../support/radicale"

/**
 * The connector XRPC methods end to end: real HttpApi, real service-auth, the real connector engine
 * (in-process) against a real Radicale for CalDAV, the in-memory OAuth client for Google / Microsoft.
 */

let radicale: Radicale
let alice: TestAccount
let bob: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>

beforeAll(async () => {
  radicale = await startRadicale()
  await radicale.makeCalendar("work")
  alice = await makeAccount("apialice")
  bob = await makeAccount("apibob")
  const settings = Layer.succeed(ConnectorSettings, ConnectorSettings.fromEnv({} as never))
  const base = Layer.mergeAll(
    RepositoriesTest,
    TokenVaultTest,
    OAuthClientTest,
    FetchHttpClient.layer,
    Layer.succeed(ConnectorNotices, ConnectorNotices.of({ send: () => Effect.void })),
    PushChannelsTest,
    settings,
    ProviderAdaptersLive.pipe(Layer.provide(Layer.merge(settings, makeOutboundGuardTest({}, { development: true, allowedPorts: [] }))))
  )
  const services = Layer.mergeAll(
    Layer.provideMerge(UserConnectorsInProcess, base),
    serviceAuthFor([alice, bob])(RepositoriesTest),
    RateLimiterTest,
    TurnstileTest
  )
  runtime = ManagedRuntime.make(services)
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext((await runtime.runtime()).context)))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
  await radicale?.stop()
})

const call = async (account: TestAccount | undefined, nsid: string, body?: unknown) => {
  const headers: Record<string, string> = account ? { authorization: `Bearer ${await account.token(nsid)}` } : {}
  const init: RequestInit = body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) }
  const response = await xrpc.handle(new Request(`https://appview.test/xrpc/${nsid}`, init))
  const text = await response.text()
  return { status: response.status, text, body: (text === "" ? {} : JSON.parse(text)) as Record<string, any> }
}
const start = (account: TestAccount | undefined, body: unknown) => call(account, "app.overlap.connector.start", body)

/** Every key anywhere in a JSON value. */
const keysOf = (value: unknown): Array<string> =>
  Array.isArray(value) ? value.flatMap(keysOf) : typeof value === "object" && value !== null ? Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]) : []

describe("connector XRPC methods", () => {
  it("connector.start refuses bad input with a 400 whose message names the fields", async () => {
    const none = await start(alice, { provider: "caldav" })
    expect(none).toMatchObject({ status: 400, body: { error: "CredentialsRequired", message: "serverUrl, username, appPassword: required when provider is caldav" } })
    const some = await start(alice, { provider: "caldav", serverUrl: radicale.url, username: "  " })
    expect(some.body).toEqual({ error: "CredentialsRequired", message: "username, appPassword: required when provider is caldav" })
    const provider = await start(alice, { provider: "outlook" })
    expect(provider.status).toBe(400)
    expect(provider.body.error).toBe("InvalidRequest")
    expect(provider.body.message).toMatch(/^provider: /)
    const url = await start(alice, { provider: "caldav", serverUrl: "not a url", username: "a", appPassword: "b" })
    expect(url.status).toBe(400)
    expect(url.body.message).toMatch(/^serverUrl: /)
    const extra = await start(alice, { provider: "google", appPassword: "secret" })
    expect(extra.body).toEqual({ error: "InvalidRequest", message: expect.stringMatching(/^appPassword: only for provider caldav/) })
    // passes the lexicon's uri check, but WHATWG URL refuses it: a 400 naming the field, not a thrown TypeError
    const unparsable = await start(alice, { provider: "caldav", serverUrl: "https://[::1", username: "a", appPassword: "b" })
    expect(unparsable).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringMatching(/^serverUrl: /) } })
    const userinfo = await start(alice, { provider: "caldav", serverUrl: "https://u:p@dav.example.com/", username: "a", appPassword: "b" })
    expect(userinfo).toMatchObject({ status: 400, body: { error: "InvalidCredentials", message: expect.stringMatching(/^serverUrl: /) } })
    const insecure = await start(alice, { provider: "caldav", serverUrl: "http://dav.example.com/", username: "a", appPassword: "b" })
    expect(insecure).toMatchObject({ status: 400, body: { error: "InvalidCredentials", message: expect.stringMatching(/^serverUrl: .*https/) } })
    const refused = await start(alice, { provider: "caldav", serverUrl: radicale.url, username: radicale.username, appPassword: "wrong" })
    expect(refused).toMatchObject({ status: 400, body: { error: "InvalidCredentials", message: expect.stringMatching(/^username, appPassword: /) } })
    expect((await call(alice, "app.overlap.listConnectors")).body).toEqual({ connectors: [] })
    expect((await start(undefined, { provider: "google" })).status).toBe(401)
  })

  it("google / microsoft answer with the authorization URL; caldav connects at once", async () => {
    const google = await start(alice, { provider: "google" })
    expect(google.status).toBe(200)
    // the one-time link the user's own browser opens (it sets the flow cookie, then goes on to Google)
    expect(google.body).toEqual({ authorizationUrl: expect.stringMatching(/^https:\/\/overlap\.test\/oauth\/google\/begin\?ticket=/) })
    const caldav = await start(alice, { provider: "caldav", serverUrl: radicale.url, username: radicale.username, appPassword: radicale.password })
    expect(caldav.status).toBe(200)
    expect(caldav.body.connector).toMatchObject({ provider: "caldav", status: "active", accountLabel: `${radicale.url}/` })
    expect(caldav.body.connector.calendars).toContainEqual({ id: `${radicale.homeUrl}work/`, name: "work", checkBusy: true })
    expect(caldav.text).not.toContain(radicale.password)
  })

  it("listConnectors never carries a credential: no token fields, no ciphertext, no password", async () => {
    const { body, text } = await call(alice, "app.overlap.listConnectors")
    expect(body.connectors).toHaveLength(1)
    const stored = await runtime.runPromise(Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(alice.did)))
    const ciphertext = stored[0]!.tokenCiphertext!
    expect(ciphertext).toMatch(/^v1\./)
    const opened = await runtime.runPromise(Effect.flatMap(TokenVault, (v) => v.decrypt(ciphertext, { did: alice.did, provider: "caldav", connectorId: stored[0]!.id })))
    expect(opened).toContain(radicale.password)
    expect(text).not.toContain(ciphertext)
    expect(text).not.toContain(ciphertext.split(".")[2]!)
    expect(text).not.toContain(radicale.password)
    const keys = new Set(keysOf(body))
    for (const forbidden of ["tokenCiphertext", "token_ciphertext", "keyId", "key_id", "tokenExpiresAt", "accessToken", "refreshToken", "password", "appPassword"]) {
      expect(keys.has(forbidden)).toBe(false)
    }
    expect([...keys].filter((k) => /token|secret|password|cipher/i.test(k))).toEqual([])
    // Another user sees none of it.
    expect((await call(bob, "app.overlap.listConnectors")).body).toEqual({ connectors: [] })
  })

  it("connector.remove: only the owner's connector; removed connectors disappear", async () => {
    const [connector] = (await call(alice, "app.overlap.listConnectors")).body.connectors as Array<{ id: string }>
    const unknown = await call(alice, "app.overlap.connector.remove", { connectorId: "nope" })
    expect(unknown).toMatchObject({ status: 404, body: { error: "ConnectorNotFound", message: expect.stringMatching(/^connectorId: /) } })
    const foreign = await call(bob, "app.overlap.connector.remove", { connectorId: connector!.id })
    expect(foreign.status).toBe(404)
    const missing = await call(alice, "app.overlap.connector.remove", {})
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/^connectorId: /)
    const removed = await call(alice, "app.overlap.connector.remove", { connectorId: connector!.id })
    expect(removed).toMatchObject({ status: 200, body: {} })
    expect((await call(alice, "app.overlap.listConnectors")).body).toEqual({ connectors: [] })
    const stored = await runtime.runPromise(Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(alice.did, { includeRemoved: true })))
    expect(stored[0]).toMatchObject({ status: "removed", tokenCiphertext: null, keyId: null })
  })
})
