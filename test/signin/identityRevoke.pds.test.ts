import { createExecutionContext, env } from "cloudflare:test"
import { afterEach, describe, expect, it } from "vitest"
import { sessionCookieName, signInCookieName } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import type { ExpirableSessionDO } from "../support/appviewTestWorker"
import { consentAtPds } from "./pdsConsent"

/**
 * A sign-in whose identity stops verifying between the start and the callback — here the account's handle moves
 * away while the person is at their PDS, so the handle their DID document named no longer resolves back to the DID —
 * is refused with a 400, and the grant the callback obtained from the real local PDS is revoked there at once (at its
 * revocation endpoint), not merely dropped. Nothing reaches the person's SessionDO; no cookie is set.
 */

const testEnv = env as unknown as Omit<Env, "SESSION"> & { TEST_CLIENT_URL: string; SESSION: DurableObjectNamespace<ExpirableSessionDO> }
const ORIGIN = "http://127.0.0.1"

const workerFetch = appview.fetch as unknown as (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response>
const fetchApp = (path: string, init: RequestInit = {}) =>
  workerFetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }), testEnv as unknown as Env, createExecutionContext())

const helper = async (path: string, body: unknown) => {
  const response = await fetch(`${testEnv.TEST_CLIENT_URL}${path}`, { method: "POST", body: JSON.stringify(body) })
  if (!response.ok) throw new Error(await response.text())
  return response.json()
}

const realFetch = globalThis.fetch
afterEach(() => {
  globalThis.fetch = realFetch
})

describe("an identity that fails its check after the callback", () => {
  it("is refused with 400 and the tokens the PDS issued are revoked at its revocation endpoint", async () => {
    const erin = (await helper("/account", { name: `erin${Date.now() % 100000}` })) as { did: string; handle: string }
    const login = await fetchApp(`/oauth/login?handle=${encodeURIComponent(erin.handle)}`)
    expect(login.status, await login.clone().text()).toBe(302)
    const flow = login.headers.getSetCookie().find((c) => c.startsWith(`${signInCookieName(false)}=`))!.split(";")[0]!
    const back = new URL(await consentAtPds(login.headers.get("location")!, erin.handle))

    // while erin is at the PDS, the handle moves away: erin.handle no longer resolves to erin's DID
    await helper("/updateHandle", { did: erin.did, handle: `moved${Date.now() % 100000}.test` })

    // watch what the client sends: the tokens it obtains and the revocations it makes
    const issued: Array<string> = []
    const revoked: Array<{ token: string; status: number }> = []
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      const body = request.method === "POST" ? await request.clone().text() : ""
      const response = await realFetch(request)
      const path = new URL(request.url).pathname
      if (path.endsWith("/oauth/token") && response.ok) {
        const tokens = (await response.clone().json()) as { access_token: string; refresh_token?: string }
        issued.push(tokens.access_token, ...(tokens.refresh_token !== undefined ? [tokens.refresh_token] : []))
      }
      if (path.endsWith("/oauth/revoke")) revoked.push({ token: new URLSearchParams(body).get("token") ?? "", status: response.status })
      return response
    }) as typeof fetch

    const callback = await fetchApp(back.pathname + back.search, { headers: { cookie: flow } })
    globalThis.fetch = realFetch
    expect(callback.status).toBe(400)
    // the client library's own check of the token's subject (after the token exchange) or ours right after it
    expect(await callback.json()).toMatchObject({ error: "SignInFailed", message: expect.stringMatching(/could not be (found|verified)/) })
    expect(callback.headers.getSetCookie().some((c) => c.startsWith(`${sessionCookieName(false)}=`) && !c.includes("Max-Age=0"))).toBe(false)

    // tokens were issued for erin, and the grant was revoked at the PDS: the access token (which ends the grant's
    // token row at @atproto/oauth-provider, refresh token included), and the refresh token too when the check that
    // failed was ours
    expect(issued.length).toBeGreaterThanOrEqual(1)
    expect(revoked.map((r) => r.token)).toContain(issued[0])
    expect(revoked.every((r) => issued.includes(r.token) && r.status === 200)).toBe(true)
    // no session was handed to erin's SessionDO
    expect(await testEnv.SESSION.get(testEnv.SESSION.idFromName(erin.did)).status()).toEqual({ active: false, pending: 0 })
  })
})
