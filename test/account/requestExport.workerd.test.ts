// app.overlap.account.requestExport through the XRPC handler in workerd, with real service-auth tokens, D1 and R2:
// the caller gets links to their own export (only theirs), each downloads once through the AppView worker; a call
// without a token is 401, and with exports switched off it is 503 with the XRPC error shape; so is a missing vault key
// ring (issue 17, TokenVault robustness item 2).
import { env } from "cloudflare:test"
import { Effect, Encoding, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { UserDataStoreLive } from "../../src/adapters/d1/UserDataStoreLive"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { NotifySettings } from "../../src/services/NotifySettings"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { ExportStoreLive } from "../../src/adapters/r2/ExportStoreLive"
import appview from "../../src/entry/appview"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"

const NSID = "app.overlap.account.requestExport"
let me: TestAccount
let other: TestAccount
const handlers: Array<XrpcHandler> = []

const VAULT_KEYS = JSON.stringify({ current: "k1", keys: { k1: Encoding.encodeBase64(new Uint8Array(32).fill(0x51)) } })

const xrpcWith = (vars: Partial<Env>) => {
  const testEnv = { ...env, ENVIRONMENT: "staging", PUBLIC_URL: "https://overlap.example", TOKEN_VAULT_KEYS: VAULT_KEYS, ...vars } as Env
  const root = CloudflareEnv.layer(testEnv)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const notifySettings = NotifySettingsLive.pipe(Layer.provide(Layer.merge(D1Live, TokenVaultLive)), Layer.provide(root))
  const services = Layer.mergeAll(root, repositories, serviceAuthFor([me, other])(repositories), RateLimiterTest, UserDataStoreLive.pipe(Layer.provide(root)), ExportStoreLive.pipe(Layer.provide(root)), notifySettings)
  const xrpc = makeXrpcHandler(withXrpcTestServices(services))
  handlers.push(xrpc)
  return { xrpc, testEnv, notifySettings }
}

const call = async (xrpc: XrpcHandler, account: TestAccount | undefined) =>
  xrpc.handle(new Request(`http://appview.test/xrpc/${NSID}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(account === undefined ? {} : { authorization: `Bearer ${await account.token(NSID)}` }) },
    body: "{}"
  }))

beforeAll(async () => {
  me = await makeAccount("exporter")
  other = await makeAccount("exportother")
})
afterAll(async () => {
  for (const h of handlers) await h.dispose()
})

describe(NSID, () => {
  it("answers links to the caller's own export; each file downloads once through the AppView", async () => {
    const now = Date.now()
    await env.DB.batch([
      env.DB.prepare("INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at) VALUES ('bk-x', ?, ?, 'confirmed', ?, ?, 'UTC', ?, ?)")
        .bind(other.did, me.did, now + 864e5, now + 864e5 + 18e5, now, now),
      env.DB.prepare("INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at) VALUES ('bk-not-mine', ?, 'did:plc:someoneelse', 'confirmed', ?, ?, 'UTC', ?, ?)")
        .bind(other.did, now + 864e5, now + 864e5 + 18e5, now, now)
    ])
    const { testEnv, xrpc, notifySettings } = xrpcWith({ EXPORT_LINK_SECRET: "request-export-secret" })
    await Effect.runPromise(Effect.flatMap(NotifySettings, (s) =>
      Effect.zipRight(s.putEmail(me.did, "exporter@mail.example"), s.putEmail(other.did, "other@mail.example"))).pipe(Effect.provide(notifySettings)))
    const response = await call(xrpc, me)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { exportId: string; expiresAt: string; bundleUrl: string; calendarUrl: string }
    expect(body.bundleUrl.startsWith(`https://overlap.example/account/export/${body.exportId}/bundle.json?`)).toBe(true)
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(now)
    const path = (url: string) => url.replace("https://overlap.example", "http://localhost")
    const bundle = await appview.fetch(new Request(path(body.bundleUrl)) as Request<unknown, IncomingRequestCfProperties>, testEnv)
    expect(bundle.status).toBe(200)
    const text = await bundle.text()
    expect(JSON.parse(text)).toMatchObject({ did: me.did, bookings: [expect.objectContaining({ id: "bk-x" })] })
    expect(text).not.toContain("bk-not-mine")
    // the caller's own notification address, opened; the other person's is not in it
    expect(JSON.parse(text)).toMatchObject({ notifications: { email: { address: "exporter@mail.example", verified: false } } })
    expect(text).not.toContain("other@mail.example")
    const again = await appview.fetch(new Request(path(body.bundleUrl)) as Request<unknown, IncomingRequestCfProperties>, testEnv)
    expect(again.status).toBe(410)
    const calendar = await appview.fetch(new Request(path(body.calendarUrl)) as Request<unknown, IncomingRequestCfProperties>, testEnv)
    expect(await calendar.text()).toContain("UID:bk-x@overlap.app")
  })

  it("is 401 without a service-auth token and 503 (XRPC error shape) when exports are switched off", async () => {
    const { xrpc } = xrpcWith({ EXPORT_LINK_SECRET: "request-export-secret" })
    expect((await call(xrpc, undefined)).status).toBe(401)
    const off = xrpcWith({ EXPORT_LINK_SECRET: undefined })
    const refused = await call(off.xrpc, me)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ error: "ExportUnavailable", message: expect.stringContaining("EXPORT_LINK_SECRET") })
  })

  it("is 503 ServiceNotConfigured (not 500) with no TOKEN_VAULT_KEYS outside development, and writes nothing to R2", async () => {
    // the caller has a sealed address: the export must open it, and cannot without the key ring
    const { notifySettings } = xrpcWith({ EXPORT_LINK_SECRET: "request-export-secret" })
    await Effect.runPromise(Effect.flatMap(NotifySettings, (s) => s.putEmail(other.did, "sealed@mail.example")).pipe(Effect.provide(notifySettings)))
    const objects = async () => (await env.BLOBS.list({ prefix: `exports/${other.did}/` })).objects.length
    const before = await objects()
    const { xrpc } = xrpcWith({ EXPORT_LINK_SECRET: "request-export-secret", TOKEN_VAULT_KEYS: undefined })
    const refused = await call(xrpc, other)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toEqual({ error: "ServiceNotConfigured", message: expect.stringContaining("TOKEN_VAULT_KEYS") })
    expect(await objects()).toBe(before)
    // the same caller with the ring configured gets their export (the 503 was the missing ring, nothing else)
    expect((await call(xrpcWith({ EXPORT_LINK_SECRET: "request-export-secret" }).xrpc, other)).status).toBe(200)
    expect(await objects()).toBe(before + 2)
  })
})
