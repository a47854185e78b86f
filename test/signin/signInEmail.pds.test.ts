import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { sessionCookieName, signInCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { NotifySettings } from "../../src/services/NotifySettings"
import { consentAtPds } from "./pdsConsent"

/**
 * Issue 16 item 1's sign-in half: a person who signs in with the e-mail scope (`/oauth/login?…&email=1`, atproto's
 * `transition:email`) has their account's address — read from their PDS (com.atproto.server.getSession) — taken
 * into notifications **unverified**, with the verification mail queued; an address they set themselves is never
 * replaced; without the scope nothing is taken. Against the real local PDS, through the AppView worker's fetch.
 */

const testEnv = env as unknown as Env & { TEST_PDS_URL: string; TEST_CLIENT_URL: string }
const ORIGIN = "http://127.0.0.1"

const fetchApp = (path: string, init: RequestInit = {}) =>
  appview.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }) as Parameters<typeof appview.fetch>[0], testEnv)

const settingsLayer = NotifySettingsLive.pipe(
  Layer.provide(Layer.mergeAll(D1Live, TokenVaultLive).pipe(Layer.provideMerge(CloudflareEnv.layer(testEnv))))
)
const notifySettings = <A, E>(f: (s: NotifySettings["Type"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(NotifySettings, f).pipe(Effect.provide(settingsLayer)))

/** A fresh account on the local PDS, and the e-mail address the PDS holds for it (its own password session). */
const createAccount = async (name: string) => {
  const response = await fetch(`${testEnv.TEST_CLIENT_URL}/account`, { method: "POST", body: JSON.stringify({ name }) })
  if (!response.ok) throw new Error(await response.text())
  const account = (await response.json()) as { did: string; handle: string }
  const session = await fetch(`${testEnv.TEST_PDS_URL}/xrpc/com.atproto.server.createSession`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identifier: account.handle, password: "password" })
  })
  const { email } = (await session.json()) as { email?: string }
  expect(email).toMatch(/@example\.test$/)
  return { ...account, email: email! }
}

/** login (with or without the e-mail scope) → the PDS's consent → callback; answers the session cookie. */
const signIn = async (handle: string, email: boolean) => {
  const login = await fetchApp(`/oauth/login?handle=${encodeURIComponent(handle)}${email ? "&email=1" : ""}&returnTo=/app`)
  expect(login.status, await login.clone().text()).toBe(302)
  const authorize = login.headers.get("location")!
  const flow = login.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith(`${signInCookieName(false)}=`))!
  const back = new URL(await consentAtPds(authorize, handle))
  const callback = await fetchApp(back.pathname + back.search, { headers: { cookie: flow } })
  expect(callback.status, await callback.clone().text()).toBe(302)
  return callback.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith(`${sessionCookieName(false)}=`))!
}

const settingsOf = async (cookie: string) => {
  const response = await fetchApp("/xrpc/app.overlap.notify.getSettings", { headers: { cookie } })
  expect(response.status).toBe(200)
  return (await response.json()) as { email?: { address: string; verified: boolean } }
}

describe("the sign-in's e-mail scope gives notifications the account's address, to be verified", () => {
  let erin: Awaited<ReturnType<typeof createAccount>>
  let finn: Awaited<ReturnType<typeof createAccount>>
  beforeAll(async () => {
    erin = await createAccount(`erin${Date.now() % 100000}`)
    finn = await createAccount(`finn${Date.now() % 100000}`)
  })

  it("with transition:email the PDS's address is stored unverified, sealed (never plaintext in D1)", async () => {
    const cookie = await signIn(erin.handle, true)
    expect((await settingsOf(cookie)).email).toEqual({ address: erin.email, verified: false })
    const stored = await testEnv.DB.prepare("SELECT * FROM notify_settings WHERE did = ?").bind(erin.did).first<Record<string, unknown>>()
    expect(stored).not.toBeNull()
    expect(JSON.stringify(stored)).not.toContain(erin.email)
    expect(JSON.stringify(stored)).not.toContain(erin.email.split("@")[0])
  })

  it("an address the person set themselves is kept when they sign in with the scope again", async () => {
    await notifySettings((s) => s.putEmail(erin.did, "chosen@example.org"))
    const cookie = await signIn(erin.handle, true)
    expect((await settingsOf(cookie)).email).toEqual({ address: "chosen@example.org", verified: false })
  })

  it("without the e-mail scope no address is taken", async () => {
    const cookie = await signIn(finn.handle, false)
    expect((await settingsOf(cookie)).email).toBeUndefined()
  })
})
