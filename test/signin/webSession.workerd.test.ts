import { generateClientAssertionKey } from "@atcute/oauth-node-client"
import { env } from "cloudflare:test"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { WebSessionsLive } from "../../src/adapters/d1/WebSessionsLive"
import { csrfCookieName, sessionCookieName, SESSION_IDLE_MS } from "../../src/domain/signin/webSession"
import appview from "../../src/entry/appview"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { WebSessions } from "../../src/services/WebSessions"

/**
 * The browser's side of sign-in, inside workerd through the AppView worker's own fetch (wrangler.toml's D1, KV and
 * Durable Object bindings): the session cookie becomes the same `Caller` XRPC handlers get from service-auth;
 * procedures need this origin and the session's CSRF token; a signed-out, expired or forged cookie is a 401; the
 * sign-in routes refuse bad input, a callback from another browser and a replayed state with a 4xx, never a 500.
 */

const testEnv = env as unknown as Env
// http://127.0.0.1 in development: the cookies drop Secure and the __Host- prefix (docs/signin.md)
const ORIGIN = "http://127.0.0.1"
const DID = "did:plc:signinworkerdtest00000001"

const fetchApp = (path: string, init: RequestInit = {}) =>
  appview.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }) as Parameters<typeof appview.fetch>[0], testEnv)

const newSession = (did = DID) =>
  Effect.runPromise(Effect.flatMap(WebSessions, (s) => s.create(did, "vitest")).pipe(
    Effect.provide(WebSessionsLive),
    Effect.provide(CloudflareEnv.layer(testEnv))
  ))

const cookieHeader = (id: string) => `${sessionCookieName(false)}=${id}`

const xrpcGet = (nsid: string, id: string) => fetchApp(`/xrpc/${nsid}`, { headers: { cookie: cookieHeader(id) } })

const xrpcPost = (nsid: string, id: string, body: unknown, headers: Record<string, string>) =>
  fetchApp(`/xrpc/${nsid}`, {
    method: "POST",
    headers: { cookie: cookieHeader(id), "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })

describe("a browser session is the caller of XRPC methods", () => {
  it("a session cookie reads the caller's own settings: publishing is off by default", async () => {
    const session = await newSession()
    const response = await xrpcGet("app.overlap.session.getSettings", session.id)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ publishMeetings: false, reauthorizeRequired: false })
  })

  it("a procedure with this origin and the CSRF token changes the setting; without either it is refused with 403", async () => {
    const session = await newSession()
    const put = (headers: Record<string, string>) => xrpcPost("app.overlap.session.putSettings", session.id, { publishMeetings: true }, headers)

    const noToken = await put({ origin: ORIGIN })
    expect(noToken.status).toBe(403)
    expect(await noToken.json()).toMatchObject({ error: "CsrfRejected" })

    const crossSite = await put({ origin: "https://evil.example", "x-overlap-csrf": session.csrf })
    expect(crossSite.status).toBe(403)
    expect(await crossSite.json()).toMatchObject({ error: "CsrfRejected", message: expect.stringContaining("Origin") })

    const noOrigin = await put({ "x-overlap-csrf": session.csrf })
    expect(noOrigin.status).toBe(403)

    const fetchSiteCrossSite = await put({ origin: ORIGIN, "sec-fetch-site": "cross-site", "x-overlap-csrf": session.csrf })
    expect(fetchSiteCrossSite.status).toBe(403)

    const otherSessionsToken = (await newSession()).csrf
    expect((await put({ origin: ORIGIN, "x-overlap-csrf": otherSessionsToken })).status).toBe(403)

    // nothing changed so far
    expect(await (await xrpcGet("app.overlap.session.getSettings", session.id)).json()).toMatchObject({ publishMeetings: false })

    const ok = await put({ origin: ORIGIN, "x-overlap-csrf": session.csrf })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ publishMeetings: true, reauthorizeRequired: false })
    expect(await (await xrpcGet("app.overlap.session.getSettings", session.id)).json()).toMatchObject({ publishMeetings: true })
  })

  it("a forged, unknown or malformed cookie is a 401 SessionInvalid, never anonymous", async () => {
    for (const id of ["A".repeat(43), "not-a-token", ""]) {
      const response = await xrpcGet("app.overlap.session.getSettings", id)
      expect(response.status, id).toBe(401)
    }
    const forged = await xrpcGet("app.overlap.session.getSettings", "A".repeat(43))
    expect(await forged.json()).toMatchObject({ error: "SessionInvalid" })
  })

  it("a session unused for longer than the idle limit is refused", async () => {
    const session = await newSession()
    const old = Date.now() - SESSION_IDLE_MS - 1000
    await testEnv.DB.prepare("UPDATE web_sessions SET last_seen_at = ?, created_at = ? WHERE did = ?").bind(old, old, DID).run()
    expect((await xrpcGet("app.overlap.session.getSettings", session.id)).status).toBe(401)
  })

  it("the store keeps only the hash of the cookie id", async () => {
    const session = await newSession()
    const rows = await testEnv.DB.prepare("SELECT * FROM web_sessions").all()
    const stored = JSON.stringify(rows.results)
    expect(stored).not.toContain(session.id)
    expect(stored).not.toContain(session.csrf)
    expect(rows.results.length).toBeGreaterThan(0)
  })
})

describe("sign-out", () => {
  it("needs this origin and the CSRF token; then the cookie no longer works anywhere", async () => {
    const session = await newSession()
    const logout = (headers: Record<string, string>) =>
      fetchApp("/oauth/logout", { method: "POST", headers: { cookie: cookieHeader(session.id), ...headers } })

    const crossSite = await logout({ origin: "https://evil.example", "x-overlap-csrf": session.csrf })
    expect(crossSite.status).toBe(403)
    const noToken = await logout({ origin: ORIGIN })
    expect(noToken.status).toBe(403)
    expect((await xrpcGet("app.overlap.session.getSettings", session.id)).status).toBe(200)

    const out = await logout({ origin: ORIGIN, "x-overlap-csrf": session.csrf })
    expect(out.status).toBe(303)
    const cleared = out.headers.getSetCookie()
    expect(cleared.some((c) => c.startsWith(`${sessionCookieName(false)}=;`) && c.includes("Max-Age=0"))).toBe(true)
    expect(cleared.some((c) => c.startsWith(`${csrfCookieName(false)}=;`))).toBe(true)

    const after = await xrpcGet("app.overlap.session.getSettings", session.id)
    expect(after.status).toBe(401)
    expect(await after.json()).toMatchObject({ error: "SessionInvalid" })
    // a second sign-out with the dead cookie is a clean 401 too
    expect((await logout({ origin: ORIGIN, "x-overlap-csrf": session.csrf })).status).toBe(401)
  })

  it("a form POST may carry the token as a field", async () => {
    const session = await newSession()
    const out = await fetchApp("/oauth/logout", {
      method: "POST",
      headers: { cookie: cookieHeader(session.id), origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: session.csrf }).toString()
    })
    expect(out.status).toBe(303)
    expect((await xrpcGet("app.overlap.session.getSettings", session.id)).status).toBe(401)
  })
})

describe("sign-in routes refuse with a 4xx", () => {
  it("login without a handle, or with garbage, names the field", async () => {
    for (const query of ["", "?handle=", "?handle=not%20a%20handle", "?handle=did:bad", "?handle=https://%5B"]) {
      const response = await fetchApp(`/oauth/login${query}`)
      expect(response.status, query).toBe(400)
      expect(await response.json()).toMatchObject({ error: "InvalidRequest", message: expect.stringContaining("handle") })
    }
  })

  it("a callback without the flow cookie is refused: the sign-in was started in another browser", async () => {
    const response = await fetchApp("/oauth/callback?state=abc&code=def&iss=http%3A%2F%2Flocalhost")
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("browser") })
  })

  it("a callback whose state is unknown (replayed or expired) is refused", async () => {
    const response = await fetchApp("/oauth/callback?state=abc&code=def", {
      headers: { cookie: `overlap-signin=${"B".repeat(43)}` }
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("expired or was already used") })
  })

  it("wrong methods are 405; the connectors' /oauth routes still answer as before", async () => {
    expect((await fetchApp("/oauth/logout")).status).toBe(405)
    expect((await fetchApp("/oauth/login", { method: "POST" })).status).toBe(405)
    // the calendar connector's begin route answers its own HTML page (Google is not configured in this worker)
    const google = await fetchApp("/oauth/google/begin?ticket=nope")
    expect(google.headers.get("content-type") ?? "").toContain("text/html")
    expect(await google.text()).toContain("Google")
  })

  it("development serves the loopback client: no keys, metadata naming 127.0.0.1", async () => {
    const jwks = await fetchApp("/oauth/jwks.json")
    expect(await jwks.json()).toEqual({ keys: [] })
    const metadata = (await (await fetchApp("/oauth-client-metadata.json")).json()) as Record<string, unknown>
    expect(String(metadata.client_id)).toMatch(/^http:\/\/localhost\?/)
    expect(metadata.redirect_uris).toEqual(["http://127.0.0.1/oauth/callback"])
    expect(metadata.token_endpoint_auth_method).toBe("none")
    expect(String(metadata.scope)).toContain("include:app.overlap.authFull")
  })
})

// a production client_id host must be a real domain name (not .test / .local / an IP)
describe("production is a confidential client", () => {
  const production = (extra: Partial<Env>) =>
    ({ ...testEnv, ENVIRONMENT: "production", PUBLIC_URL: "https://overlap.example.com", ...extra }) as Env
  const get = (workerEnv: Env, path: string) =>
    appview.fetch(new Request(`https://overlap.example.com${path}`) as Parameters<typeof appview.fetch>[0], workerEnv)

  it("metadata names the https client_id, private_key_jwt and the same-origin JWKS; the JWKS has no private member", async () => {
    const key = await generateClientAssertionKey("test-key-1")
    const publicOf = JSON.parse(JSON.stringify(key)) as { x: string; y: string }
    const workerEnv = production({ ATPROTO_OAUTH_PRIVATE_JWK: JSON.stringify(key) })
    const metadata = (await (await get(workerEnv, "/oauth-client-metadata.json")).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({
      client_id: "https://overlap.example.com/oauth-client-metadata.json",
      redirect_uris: ["https://overlap.example.com/oauth/callback"],
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks_uri: "https://overlap.example.com/oauth/jwks.json",
      dpop_bound_access_tokens: true
    })
    const jwks = (await (await get(workerEnv, "/oauth/jwks.json")).json()) as { keys: Array<Record<string, unknown>> }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kid: "test-key-1", kty: "EC", crv: "P-256", x: publicOf.x, y: publicOf.y })
    expect(jwks.keys[0]).not.toHaveProperty("d")
  })

  it("without the key, sign-in answers 503 saying it is not configured, never a 500", async () => {
    const workerEnv = production({ ATPROTO_OAUTH_PRIVATE_JWK: undefined })
    const metadata = await get(workerEnv, "/oauth-client-metadata.json")
    expect(metadata.status).toBe(503)
    expect(await metadata.json()).toMatchObject({ error: "SignInFailed", message: expect.stringContaining("ATPROTO_OAUTH_PRIVATE_JWK") })
    const login = await get(workerEnv, "/oauth/login?handle=alice.example.com")
    expect(login.status).toBe(503)
  })
})
