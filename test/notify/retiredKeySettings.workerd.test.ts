import { createExecutionContext, env } from "cloudflare:test"
import { Effect, Encoding, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { NotifySettingsLive } from "../../src/adapters/d1/NotifySettingsLive"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { sessionCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { NotifySettings } from "../../src/services/NotifySettings"
import { WebSessions } from "../../src/services/WebSessions"

// Issue 17 (TokenVault robustness, items 1 and 2) through the AppView worker's fetch inside workerd, over the real D1
// and TokenVault: a person whose notification settings were sealed under a vault key that was since removed from
// TOKEN_VAULT_KEYS gets 200 with the values marked unreadable (before: 500), and putEmail / putPreferences replace
// them; with no key ring at all outside development every app.overlap.notify.* call is 503 ServiceNotConfigured
// (before: 500).

const K1 = Encoding.encodeBase64(new Uint8Array(32).fill(0x71))
const K2 = Encoding.encodeBase64(new Uint8Array(32).fill(0x72))
const ORIGIN = "http://127.0.0.1"

const withRing = (current: string, keys: Record<string, string>) =>
  ({ ...env, TOKEN_VAULT_KEYS: JSON.stringify({ current, keys }) }) as unknown as Env
const underK1 = withRing("k1", { k1: K1 })
const k1Retired = withRing("k2", { k2: K2 })

const workerFetch = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>

let n = 0
const newSession = () =>
  Effect.runPromise(Effect.flatMap(WebSessions, (s) => s.create(`did:plc:retiredkey${String(++n).padStart(15, "0")}`, "vitest")).pipe(
    Effect.provide(WebSessionsLive),
    Effect.provide(CloudflareEnv.layer(env as unknown as Env))
  ))
type Session = Awaited<ReturnType<typeof newSession>>

const call = async (workerEnv: Env, session: Session, nsid: string, body?: unknown) => {
  const headers: Record<string, string> = { cookie: `${sessionCookieName(false)}=${session.id}`, origin: ORIGIN }
  if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "x-overlap-csrf": session.csrf })
  const response = await workerFetch(
    new Request(`${ORIGIN}/xrpc/${nsid}`, { method: body === undefined ? "GET" : "POST", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    workerEnv,
    createExecutionContext()
  )
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** An address (verified) and preferences (reminders off) sealed under k1 through the real NotifySettings. */
const sealUnderK1 = (did: string) =>
  Effect.runPromise(Effect.gen(function*() {
    const settings = yield* NotifySettings
    yield* settings.putEmail(did, "retired@mail.example")
    yield* settings.verifyEmail(did, "retired@mail.example")
    const { preferences } = yield* settings.get(did)
    yield* settings.putPreferences(did, { ...preferences, reminders: { ...preferences.reminders, enabled: false } })
  }).pipe(Effect.provide(NotifySettingsLive.pipe(Layer.provide(Layer.merge(D1Live.pipe(Layer.provide(CloudflareEnv.layer(underK1))), tokenVaultLayer({ keys: underK1.TOKEN_VAULT_KEYS, environment: "production" })))))))

describe("notification settings sealed under a retired vault key (through the AppView)", () => {
  it("getSettings is 200 with the values marked unreadable; putEmail and putPreferences replace them", async () => {
    const session = await newSession()
    await sealUnderK1(session.did)
    const before = await call(underK1, session, "app.overlap.notify.getSettings")
    expect(before.status).toBe(200)
    expect(before.body).toMatchObject({ email: { address: "retired@mail.example", verified: true }, preferences: { reminders: { enabled: false } } })
    expect(before.body.unreadable).toBeUndefined()

    // k1 removed from the ring: nothing opens any more, the call still answers
    const retired = await call(k1Retired, session, "app.overlap.notify.getSettings")
    expect(retired.status).toBe(200)
    expect(retired.body.unreadable).toEqual(["email", "preferences"])
    expect(retired.body.email).toBeUndefined()
    expect(retired.body.preferences).toMatchObject({ reminders: { enabled: true } })
    expect(JSON.stringify(retired.body)).not.toContain("retired@mail.example")

    const putEmail = await call(k1Retired, session, "app.overlap.notify.putEmail", { email: "fresh@mail.example" })
    expect(putEmail.status).toBe(200)
    expect(putEmail.body).toMatchObject({ email: { address: "fresh@mail.example", verified: false }, unreadable: ["preferences"] })

    const putPreferences = await call(k1Retired, session, "app.overlap.notify.putPreferences", {
      ...retired.body.preferences,
      reminders: { enabled: false, minutesBefore: [60] }
    })
    expect(putPreferences.status).toBe(200)
    expect(putPreferences.body.unreadable).toBeUndefined()

    const after = await call(k1Retired, session, "app.overlap.notify.getSettings")
    expect(after.status).toBe(200)
    expect(after.body).toMatchObject({ email: { address: "fresh@mail.example", verified: false }, preferences: { reminders: { enabled: false, minutesBefore: [60] } } })
    expect(after.body.unreadable).toBeUndefined()
    const stored = await env.DB.prepare("SELECT email_key_id, preferences_key_id FROM notify_settings WHERE did = ?").bind(session.did).first()
    expect(stored).toEqual({ email_key_id: "k2", preferences_key_id: "k2" })
  })

  it("with no TOKEN_VAULT_KEYS outside development every notify method is 503 ServiceNotConfigured, never 500", async () => {
    const session = await newSession()
    const unconfigured = { ...env, ENVIRONMENT: "staging", TOKEN_VAULT_KEYS: undefined } as unknown as Env
    const refused = async (nsid: string, body?: unknown) => {
      const answer = await call(unconfigured, session, nsid, body)
      expect(answer.status, nsid).toBe(503)
      expect(answer.body).toEqual({ error: "ServiceNotConfigured", message: expect.stringContaining("TOKEN_VAULT_KEYS") })
    }
    // sealing a new value needs the ring: refused, nothing stored
    await refused("app.overlap.notify.putEmail", { email: "someone@mail.example" })
    await refused("app.overlap.notify.putPreferences", { email: { enabled: true, kinds: [] }, dm: { enabled: false, kinds: [] }, reminders: { enabled: false, minutesBefore: [] } })
    expect(await env.DB.prepare("SELECT count(*) AS n FROM notify_settings WHERE did = ?").bind(session.did).first("n")).toBe(0)
    // opening stored values needs it too (nothing stored: the defaults need no key, 200)
    expect((await call(unconfigured, session, "app.overlap.notify.getSettings")).status).toBe(200)
    await sealUnderK1(session.did)
    await refused("app.overlap.notify.getSettings")
    await refused("app.overlap.notify.deleteEmail", {})
  })
})
