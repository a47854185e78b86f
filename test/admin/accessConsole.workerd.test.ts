// The operator console at /admin through the AppView worker's fetch in workerd: only a valid Cloudflare Access token
// (RS256, signed by a key of the team's JWKS, aud = the application tag, not expired) gets a page; a token that is
// expired, for another application, signed by another key, or missing gets 403 — also in development unless
// ADMIN_DEV_BYPASS is on. The JWKS is served by a local signer at the real certs URL (fetchMock).
import { env, fetchMock } from "cloudflare:test"
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"

const TEAM = "overlap-test"
const ISSUER = `https://${TEAM}.cloudflareaccess.com`
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2"

type Signer = { readonly privateKey: CryptoKey; readonly jwk: JWK }
const signer = async (kid: string): Promise<Signer> => {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true })
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } }
}

let teamKey: Signer
let otherKey: Signer
let certsAsked = 0

const token = (key: Signer, claims: { aud?: string; exp?: number; iss?: string } = {}) => {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ email: "operator@example.test", type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: key.jwk.kid! })
    .setSubject("7335d417-61da-459d-899c-0a01c76a2c94")
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUD)
    .setIssuedAt(now - 60)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key.privateKey)
}

// A fresh env object per test builds a fresh graph (and JWKS cache), so each test sees its own configuration.
const envWith = (vars: Partial<Env>): Env => ({ ...env, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, WORKER_HEALTH_URLS: "{}", ...vars } as Env)

const get = async (path: string, headers: Record<string, string>, vars: Partial<Env> = {}) => {
  const response = await appview.fetch(new Request(`http://localhost${path}`, { headers }) as Request<unknown, IncomingRequestCfProperties>, envWith(vars))
  return { status: response.status, text: await response.text(), headers: response.headers }
}

beforeAll(async () => {
  ;[teamKey, otherKey] = await Promise.all([signer("team-key-1"), signer("stranger")])
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
beforeEach(() => {
  fetchMock.get(ISSUER).intercept({ path: "/cdn-cgi/access/certs" }).reply(() => {
    certsAsked++
    return { statusCode: 200, data: JSON.stringify({ keys: [teamKey.jwk] }), responseOptions: { headers: { "content-type": "application/json" } } }
  }).persist()
})
afterAll(() => fetchMock.deactivate())

describe("/admin behind Cloudflare Access", () => {
  it("answers the overview to a valid Access token, with D1's bookings, holds, broken connectors and sources (cursor, event lag)", async () => {
    const now = Date.now()
    await env.DB.batch([
      env.DB.prepare("INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, hold_expires_at, created_at, updated_at) VALUES (?, 'did:plc:host', 'did:plc:guest', ?, ?, ?, 'UTC', ?, ?, ?)")
        .bind("b-held", "held", now + 3_600_000, now + 5_400_000, now + 600_000, now, now),
      env.DB.prepare("INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at) VALUES (?, 'did:plc:host', 'did:plc:guest', 'confirmed', ?, ?, 'UTC', ?, ?)")
        .bind("b-confirmed", now + 7_200_000, now + 9_000_000, now, now),
      env.DB.prepare("INSERT INTO connectors (id, did, provider, status, token_ciphertext, key_id, created_at, updated_at) VALUES ('c1', 'did:plc:host', 'google', 'broken', X'00', 'k1', ?, ?)").bind(now, now),
      env.DB.prepare("INSERT INTO firehose_cursors (source, cursor, updated_at) VALUES ('local-pds', 4242, ?)").bind(now - 3_000),
      // the firehose worker's ingest_lag reports (local record in development): event lag per source
      ...[800, 1_200].map((ms, i) =>
        env.DB.prepare("INSERT INTO metric_points (timestamp, index1, blobs, doubles) VALUES (?, 'ingest_lag', ?, ?)")
          .bind(now - 60_000 + i, JSON.stringify(["ingest_lag", "local-pds", ""]), JSON.stringify([ms])))
    ])
    const page = await get("/admin", { "cf-access-jwt-assertion": await token(teamKey) })
    expect(page.status).toBe(200)
    expect(page.headers.get("cache-control")).toBe("no-store")
    expect(page.text).toContain("signed in: operator@example.test")
    expect(page.text).toMatch(/<td>held<\/td><td>1<\/td>/)
    expect(page.text).toMatch(/<td>confirmed<\/td><td>1<\/td>/)
    expect(page.text).toMatch(/<td>live \(held, not expired\)<\/td><td>1<\/td>/)
    expect(page.text).toMatch(/<td>google<\/td><td>1<\/td>/)
    expect(page.text).toMatch(/<td>local-pds<\/td><td>4242<\/td><td>[^<]+<\/td><td>\d s<\/td><td>p99 1\.\d s, max 1\.2 s<\/td>/)
    expect(page.text).toMatch(/<td>appview<\/td><td><span class="good">healthy<\/span>/)
    expect(page.text).not.toContain("X'00'") // a connector's sealed token never reaches the page
  })

  it("refuses an expired token, a token for another application, one signed by another key, and none: 403", async () => {
    const past = Math.floor(Date.now() / 1000) - 120
    const cases = {
      expired: await token(teamKey, { exp: past }),
      "wrong aud": await token(teamKey, { aud: "another-application-tag" }),
      "wrong key": await token(otherKey),
      "wrong issuer": await token(teamKey, { iss: "https://someone-else.cloudflareaccess.com" }),
      garbage: "not.a.jwt"
    }
    for (const [name, jwt] of Object.entries(cases)) {
      const page = await get("/admin", { "cf-access-jwt-assertion": jwt })
      expect(page.status, name).toBe(403)
      expect(page.text, name).not.toContain("Overview")
    }
    const missing = await get("/admin", {})
    expect(missing.status).toBe(403)
    const subPage = await get("/admin/audit?booking=b-held", {})
    expect(subPage.status).toBe(403)
  })

  it("keeps the JWKS as a finished value: a second request does not fetch the certs again; an unknown kid refetches once", async () => {
    const vars = envWith({})
    const call = async (jwt: string) => {
      const response = await appview.fetch(new Request("http://localhost/admin/audit", { headers: { "cf-access-jwt-assertion": jwt } }) as Request<unknown, IncomingRequestCfProperties>, vars)
      return response.status
    }
    const before = certsAsked
    expect(await call(await token(teamKey))).toBe(200)
    expect(await call(await token(teamKey))).toBe(200)
    expect(certsAsked - before).toBe(1)
    expect(await call(await token(otherKey))).toBe(403)
    expect(certsAsked - before).toBe(2)
  })

  it("is closed in development without a token unless ADMIN_DEV_BYPASS is on, and never outside development", async () => {
    expect((await get("/admin", {}, { ENVIRONMENT: "development" })).status).toBe(403)
    expect((await get("/admin", {}, { ENVIRONMENT: "development", ADMIN_DEV_BYPASS: "yes" })).status).toBe(403)
    const bypass = await get("/admin", {}, { ENVIRONMENT: "development", ADMIN_DEV_BYPASS: "on" })
    expect(bypass.status).toBe(200)
    expect(bypass.text).toContain("local operator (ADMIN_DEV_BYPASS)")
    expect((await get("/admin", {}, { ENVIRONMENT: "staging", ADMIN_DEV_BYPASS: "on" })).status).toBe(403)
    expect((await get("/admin", { "cf-access-jwt-assertion": await token(teamKey) }, { ACCESS_AUD: "" })).status).toBe(403)
  })

  it("shows a booking's audit trail and answers 400 naming the field for a malformed booking id", async () => {
    const now = Date.now()
    await env.DB.prepare("INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, r2_key, created_at) VALUES ('b-1', 'did:plc:host', 'booking.confirm', 'held', 'confirmed', NULL, ?)").bind(now).run()
    const jwt = await token(teamKey)
    const trail = await get("/admin/audit?booking=b-1", { "cf-access-jwt-assertion": jwt })
    expect(trail.status).toBe(200)
    expect(trail.text).toMatch(/<td>booking\.confirm<\/td><td>held<\/td><td>confirmed<\/td><td>did:plc:host<\/td>/)
    const bad = await get(`/admin/audit?booking=${encodeURIComponent("<script>")}`, { "cf-access-jwt-assertion": jwt })
    expect(bad.status).toBe(400)
    expect(bad.text).toContain("booking: a booking id")
    expect(bad.text).not.toContain("<script>")
  })
})
