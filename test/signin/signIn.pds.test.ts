import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { publishedOnly } from "../../src/adapters/atproto/PdsWriterLive"
import { AccountSettingsLive } from "../../src/adapters/d1/AccountSettingsLive"
import { AtprotoSessionsLive } from "../../src/adapters/objects/AtprotoSessionsLive"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { PdsWriter } from "../../src/services/PdsWriter"
import { beforeAll, describe, expect, it } from "vitest"
import { sessionCookieName, csrfCookieName, signInCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import type { ExpirableSessionDO } from "../support/appviewTestWorker"
import { consentAtPds } from "./pdsConsent"

/**
 * The whole sign-in against the real local PDS (@atproto/pds from scripts/localAtproto.mjs), inside workerd through
 * the AppView worker's fetch: login → the PDS's sign-in and consent (its own API, as its page calls it) → callback →
 * a signed-in browser; writes through the person's SessionDO land in their repo; a forced expiry with five concurrent
 * writes refreshes once and keeps the session; a session revoked at the PDS ends in "re-authorize", never a 500;
 * replayed, cross-browser and wrong-account callbacks are refused; no token or key is stored in plaintext.
 */

const testEnv = env as unknown as Omit<Env, "SESSION"> & { TEST_PDS_URL: string; TEST_CLIENT_URL: string; SESSION: DurableObjectNamespace<ExpirableSessionDO> }
const ORIGIN = "http://127.0.0.1"

const fetchApp = (path: string, init: RequestInit = {}) =>
  appview.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }) as Parameters<typeof appview.fetch>[0], testEnv as unknown as Env)

const createAccount = async (name: string): Promise<{ did: string; handle: string }> => {
  const response = await fetch(`${testEnv.TEST_CLIENT_URL}/account`, { method: "POST", body: JSON.stringify({ name }) })
  if (!response.ok) throw new Error(await response.text())
  return response.json()
}

const cookiesOf = (response: Response) =>
  new Map(response.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";")
    const at = pair!.indexOf("=")
    return [pair!.slice(0, at), pair!.slice(at + 1)] as const
  }))

/** login → the PDS's consent as `signInAs` → the callback URL and this browser's flow cookie. */
const startAndConsent = async (handle: string, signInAs = handle) => {
  const login = await fetchApp(`/oauth/login?handle=${encodeURIComponent(handle)}&returnTo=/app/inbox`)
  expect(login.status, await login.clone().text()).toBe(302)
  const flow = cookiesOf(login).get(signInCookieName(false))!
  expect(flow).toMatch(/^[A-Za-z0-9_-]{43}$/)
  const back = new URL(await consentAtPds(login.headers.get("location")!, signInAs))
  expect(back.origin + back.pathname).toBe(`${ORIGIN}/oauth/callback`)
  return { callbackPath: back.pathname + back.search, flow, authorizeUrl: login.headers.get("location")! }
}

const signIn = async (handle: string) => {
  const { callbackPath, flow } = await startAndConsent(handle)
  const callback = await fetchApp(callbackPath, { headers: { cookie: `${signInCookieName(false)}=${flow}` } })
  expect(callback.status, await callback.clone().text()).toBe(302)
  expect(callback.headers.get("location")).toBe("/app/inbox")
  const cookies = cookiesOf(callback)
  return { id: cookies.get(sessionCookieName(false))!, csrf: cookies.get(csrfCookieName(false))!, callbackPath, flow, setCookies: callback.headers.getSetCookie() }
}

const getRecord = async (did: string, collection: string, rkey: string) => {
  const response = await fetch(`${testEnv.TEST_PDS_URL}/xrpc/com.atproto.repo.getRecord?repo=${did}&collection=${collection}&rkey=${rkey}`)
  return response.ok ? ((await response.json()) as { value: Record<string, unknown> }) : undefined
}

const bookingRecord = (host: string, n: number) => ({
  $type: "app.overlap.booking",
  hostDid: host,
  guestDid: "did:plc:guestguestguestguestgues",
  status: "confirmed",
  timeMasked: true,
  createdAt: new Date(Date.UTC(2026, 11, 7, 0, 0, n)).toISOString()
})

describe("sign-in through the local PDS", () => {
  let alice: { did: string; handle: string }
  let bob: { did: string; handle: string }
  beforeAll(async () => {
    alice = await createAccount(`alice${Date.now() % 100000}`)
    bob = await createAccount(`bob${Date.now() % 100000}`)
  })

  it("signs in, answers the cookie as the caller, and the same callback cannot be used again", async () => {
    const session = await signIn(alice.handle)
    expect(session.setCookies.find((c) => c.startsWith(sessionCookieName(false)))).toMatch(/HttpOnly/)
    expect(session.setCookies.find((c) => c.startsWith(sessionCookieName(false)))).toMatch(/SameSite=Lax/)

    const settings = await fetchApp("/xrpc/app.overlap.session.getSettings", { headers: { cookie: `${sessionCookieName(false)}=${session.id}` } })
    expect(settings.status).toBe(200)
    expect(await settings.json()).toEqual({ publishMeetings: false, reauthorizeRequired: false })

    const replay = await fetchApp(session.callbackPath, { headers: { cookie: `${signInCookieName(false)}=${session.flow}` } })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("already used") })
  })

  it("a callback in another browser (another flow cookie, or none) is refused", async () => {
    const { callbackPath } = await startAndConsent(alice.handle)
    const other = await fetchApp(callbackPath, { headers: { cookie: `${signInCookieName(false)}=${"C".repeat(43)}` } })
    expect(other.status).toBe(400)
    expect(await other.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("browser") })
  })

  it("a sign-in asked for one account but completed as another is refused", async () => {
    const { callbackPath, flow } = await startAndConsent(alice.handle, bob.handle)
    const callback = await fetchApp(callbackPath, { headers: { cookie: `${signInCookieName(false)}=${flow}` } })
    expect(callback.status).toBe(400)
    expect(await callback.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("different account") })
    expect(callback.headers.getSetCookie().some((c) => c.startsWith(`${sessionCookieName(false)}=`) && !c.includes("Max-Age=0"))).toBe(false)
  })

  it("writes land in the person's repo; after a forced expiry five concurrent writes all succeed and the session survives", async () => {
    await signIn(alice.handle)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(alice.did))
    const first = await stub.write(alice.did, { op: "put", collection: "app.overlap.booking", rkey: "signin-first", record: bookingRecord(alice.did, 0) })
    expect(first.status).toBe("written")
    expect((await getRecord(alice.did, "app.overlap.booking", "signin-first"))?.value).toMatchObject({ hostDid: alice.did, status: "confirmed" })
    // the same put again is a no-op success (deterministic rkey)
    expect((await stub.write(alice.did, { op: "put", collection: "app.overlap.booking", rkey: "signin-first", record: bookingRecord(alice.did, 0) })).status).toBe("written")

    expect(await stub.expireAccessToken()).toBe(true)
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) =>
      stub.write(alice.did, { op: "put", collection: "app.overlap.booking", rkey: `signin-c${n}`, record: bookingRecord(alice.did, n) })))
    expect(replies.map((r) => r.status)).toEqual(["written", "written", "written", "written", "written"])
    for (const n of [1, 2, 3, 4, 5]) expect(await getRecord(alice.did, "app.overlap.booking", `signin-c${n}`)).toBeDefined()
    expect(await stub.status()).toEqual({ active: true, pending: 0 })
    // and the session still works afterwards
    expect((await stub.write(alice.did, { op: "delete", collection: "app.overlap.booking", rkey: "signin-c5" })).status).toBe("written")
    expect(await getRecord(alice.did, "app.overlap.booking", "signin-c5")).toBeUndefined()
  })

  it("a collection outside the grant is refused by the PDS, not retried", async () => {
    await signIn(bob.handle)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(bob.did))
    const reply = await stub.write(bob.did, { op: "put", collection: "app.bsky.feed.post", rkey: "nope", record: { $type: "app.bsky.feed.post", text: "x", createdAt: new Date().toISOString() } })
    expect(reply.status).toBe("rejected")
    expect((await stub.status()).pending).toBe(0)
  })

  it("a session revoked at the PDS ends in re-authorize, shown on the person's page; never a 500", async () => {
    const session = await signIn(bob.handle)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(bob.did))
    expect(await stub.revokeAtServer()).toBe(true)
    const reply = await stub.write(bob.did, { op: "put", collection: "app.overlap.booking", rkey: "after-revoke", record: bookingRecord(bob.did, 9) })
    expect(reply.status).toBe("reauthorize")
    const settings = await fetchApp("/xrpc/app.overlap.session.getSettings", { headers: { cookie: `${sessionCookieName(false)}=${session.id}` } })
    expect(settings.status).toBe(200)
    expect(await settings.json()).toMatchObject({ reauthorizeRequired: true })
    // signing in again clears it
    const again = await signIn(bob.handle)
    const cleared = await fetchApp("/xrpc/app.overlap.session.getSettings", { headers: { cookie: `${sessionCookieName(false)}=${again.id}` } })
    expect(await cleared.json()).toMatchObject({ reauthorizeRequired: false })
  })

  it("the booking record is published through PdsWriter Live only for a person who turned publishing on", async () => {
    const dana = await createAccount(`dana${Date.now() % 100000}`)
    const session = await signIn(dana.handle)
    // the writer BookingDO builds (src/entry/objects/BookingDO.ts): publishedOnly over AccountSettings + SessionDO
    const writer = publishedOnly.pipe(
      Layer.provide(Layer.merge(AccountSettingsLive, AtprotoSessionsLive)),
      Layer.provide(CloudflareEnv.layer(testEnv as unknown as Env))
    )
    const put = (rkey: string) =>
      Effect.runPromise(Effect.flatMap(PdsWriter, (w) =>
        w.putRecord({ repo: dana.did, collection: "app.overlap.booking", rkey, record: bookingRecord(dana.did, 3) })).pipe(Effect.provide(writer)))

    await put("published-off")
    expect(await getRecord(dana.did, "app.overlap.booking", "published-off")).toBeUndefined()

    const on = await fetchApp("/xrpc/app.overlap.session.putSettings", {
      method: "POST",
      headers: { cookie: `${sessionCookieName(false)}=${session.id}`, origin: ORIGIN, "x-overlap-csrf": session.csrf, "content-type": "application/json" },
      body: JSON.stringify({ publishMeetings: true })
    })
    expect(on.status).toBe(200)
    await put("published-on")
    expect((await getRecord(dana.did, "app.overlap.booking", "published-on"))?.value).toMatchObject({ hostDid: dana.did, timeMasked: true })
  })

  it("sign-out revokes the session: the cookie and the atproto session both stop working", async () => {
    const session = await signIn(alice.handle)
    const out = await fetchApp("/oauth/logout", {
      method: "POST",
      headers: { cookie: `${sessionCookieName(false)}=${session.id}`, origin: ORIGIN, "x-overlap-csrf": session.csrf }
    })
    expect(out.status).toBe(303)
    const after = await fetchApp("/xrpc/app.overlap.session.getSettings", { headers: { cookie: `${sessionCookieName(false)}=${session.id}` } })
    expect(after.status).toBe(401)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(alice.did))
    expect((await stub.status()).active).toBe(false)
    expect((await stub.write(alice.did, { op: "put", collection: "app.overlap.booking", rkey: "after-out", record: bookingRecord(alice.did, 8) })).status).toBe("reauthorize")
  })

  it("no token, DPoP key, PKCE verifier or cookie id is stored in plaintext (SessionDO, KV sign-in state, D1)", async () => {
    const carol = await createAccount(`carol${Date.now() % 100000}`)
    const session = await signIn(carol.handle)
    const stub = testEnv.SESSION.get(testEnv.SESSION.idFromName(carol.did))
    const plain = await stub.plaintextForScan()
    const stored = (await stub.storedText()).join("\n")
    for (const secret of [plain.accessToken, plain.refreshToken, plain.dpopD].filter((s) => s.length > 0)) {
      expect(stored).not.toContain(secret)
    }
    expect(plain.accessToken.length).toBeGreaterThan(20)
    expect(stored).not.toMatch(/refresh_token|access_token|"d":/)
    // a sign-in in flight: its state in KV is sealed
    await startAndConsent(carol.handle)
    const keys = await testEnv.SESSION_NONCES.list({ prefix: "atproto-signin:" })
    expect(keys.keys.length).toBeGreaterThan(0)
    for (const key of keys.keys) {
      const value = (await testEnv.SESSION_NONCES.get(key.name)) ?? ""
      expect(value).toMatch(/^v1\./)
      expect(value).not.toMatch(/pkceVerifier|dpopKey/)
    }
    const rows = JSON.stringify((await testEnv.DB.prepare("SELECT * FROM web_sessions").all()).results)
    expect(rows).not.toContain(session.id)
    expect(rows).not.toContain(plain.accessToken)
  })
})
