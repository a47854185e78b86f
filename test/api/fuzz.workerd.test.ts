import { env, fetchMock, SELF } from "cloudflare:test"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OverlapApi } from "../../src/features/OverlapApi"
import { xrpcRoutes } from "../../src/features/xrpc/xrpcGate"
import { makeDidDocument } from "../../src/adapters/memory/IdentityResolverTest"
import { makeAccount, type TestAccount } from "./xrpcTestKit"

// Issue 12, item 11: every XRPC method, through the real worker entry, fed what a hostile or broken client
// sends — malformed params, bodies, content types, headers and paths, with and without a valid token. Nothing a
// caller sends may produce a 5xx, and every 4xx is an XRPC error `{ error, message }`. The inputs come from a
// seeded generator, so a failure names a case that reproduces. Anonymous calls carry no Turnstile token here:
// this environment has no TURNSTILE_SECRET, where a token answers 503 TurnstileUnavailable by design (a missing
// server secret is an outage to notice, not caller input); the Turnstile paths are tested in
// test/turnstile/turnstile.test.ts and test/guards/optionalAuth.test.ts.
const AUDIENCE = `${env.APPVIEW_DID}${env.APPVIEW_SERVICE_ID}`
const routes = [...xrpcRoutes(OverlapApi).values()]
const CASES_PER_METHOD = 24

/** mulberry32: small, seeded, good enough to pick inputs. */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const strings = [
  "", " ", "0", "-1", "1e309", "NaN", "null", "true", "[]", "{}", "did:plc:", "did:web:[::1]", "at://", "at://did:plc:x/app.overlap.slotOffer/",
  "https://[::1", "http://127.0.0.1:1/", "2026-02-30T25:61:00Z", "9999-12-31T23:59:59.999Z", "Europe/Nowhere", "\u0000", "\ud800", "%E0%A4%A",
  "x".repeat(5000), "😀".repeat(300), "<script>", "'; DROP TABLE bookings; --"
]
const values = (pick: () => number): unknown => {
  const r = pick()
  if (r < 0.35) return strings[Math.floor(pick() * strings.length)]
  if (r < 0.5) return [-1, 0, 1, 2 ** 53, -(2 ** 31), 1.5, 1e308][Math.floor(pick() * 7)]
  if (r < 0.6) return null
  if (r < 0.7) return pick() < 0.5
  if (r < 0.85) return [values(pick), values(pick)]
  return { start: values(pick), end: values(pick), durationMin: values(pick), tz: values(pick) }
}
const FIELDS = ["host", "hostDid", "offer", "offerUri", "id", "bookingId", "token", "durationMin", "durationMax", "earliest", "latest", "tz",
  "constraints", "note", "reason", "provider", "serverUrl", "username", "appPassword", "connectorId", "url", "subscriptionId", "cursor", "limit", "slot"]

const bodyFor = (pick: () => number): { text: string; type: string } => {
  const r = pick()
  if (r < 0.15) return { text: "{not json", type: "application/json" }
  if (r < 0.25) return { text: "a=1&b=2", type: "application/x-www-form-urlencoded" }
  if (r < 0.32) return { text: JSON.stringify(values(pick)), type: "text/plain" }
  if (r < 0.38) return { text: JSON.stringify([1, 2, 3]), type: "application/json" }
  if (r < 0.42) return { text: "", type: "application/json" }
  const body: Record<string, unknown> = {}
  for (const field of FIELDS) if (pick() < 0.3) body[field] = values(pick)
  return { text: JSON.stringify(body), type: pick() < 0.9 ? "application/json" : "application/json; charset=latin1" }
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the raw bytes a client could send. */
const encode = (text: string): string => {
  try {
    return encodeURIComponent(text)
  } catch {
    return "%ED%A0%80"
  }
}

const queryFor = (pick: () => number): string => {
  const parts: Array<string> = []
  for (const field of FIELDS) {
    if (pick() < 0.3) {
      const value = values(pick)
      const text = typeof value === "string" ? value : JSON.stringify(value)
      parts.push(`${field}=${pick() < 0.1 ? encode(text ?? "").slice(0, 50) + "%zz" : encode(text ?? "")}`)
      if (pick() < 0.1) parts.push(`${field}=${encode(text ?? "")}`) // repeated
    }
  }
  return parts.join("&")
}

let accounts: Array<TestAccount>

beforeAll(async () => {
  accounts = await Promise.all(Array.from({ length: 6 }, (_, i) => makeAccount(`fuzz${"abcdef"[i]}`)))
  fetchMock.activate()
  fetchMock.disableNetConnect()
  const plc = fetchMock.get(new URL(env.PLC_URL).origin)
  for (const account of accounts) {
    plc.intercept({ path: `/${account.did}`, method: "GET" }).reply(200, JSON.stringify(makeDidDocument({ did: account.did, signingKey: account.keypair.did() })), {
      headers: { "content-type": "application/did+ld+json" }
    }).persist()
  }
  // any other DID the fuzzer names does not exist; the social graph knows nobody (no relationship, no block)
  plc.intercept({ path: (path) => path.startsWith("/did:"), method: "GET" }).reply(404, "not found").persist()
  fetchMock.get(new URL(env.BSKY_APPVIEW_URL).origin).intercept({ path: (path) => path.startsWith("/xrpc/app.bsky.graph.getRelationships"), method: "GET" })
    .reply(200, (request) => {
      const url = new URL(request.path, "http://graph")
      return JSON.stringify({ actor: url.searchParams.get("actor"), relationships: url.searchParams.getAll("others").map((did) => ({ $type: "app.bsky.graph.defs#relationship", did })) })
    }, { headers: { "content-type": "application/json" } }).persist()
})

afterAll(() => fetchMock.deactivate())

describe("every XRPC method, fed malformed input", () => {
  for (const [index, route] of routes.entries()) {
    it(`${route.nsid}: no 5xx, and every 4xx is { error, message }`, async () => {
      const pick = generator(1_000 + index)
      const failures: Array<string> = []
      for (let n = 0; n < CASES_PER_METHOD; n++) {
        const account = accounts[n % accounts.length]!
        const auth = pick()
        const headers: Record<string, string> = {}
        if (auth < 0.6) headers.authorization = `Bearer ${await account.token(route.nsid, { aud: AUDIENCE })}`
        else if (auth < 0.7) headers.authorization = `Bearer ${"a".repeat(Math.floor(pick() * 5000))}.b.c`
        else if (auth < 0.75) headers.authorization = "Basic Zm9vOmJhcg=="
        else if (auth < 0.8) headers.authorization = `Bearer ${await account.token("app.overlap.somethingElse", { aud: AUDIENCE })}`
        if (pick() < 0.5) headers["idempotency-key"] = pick() < 0.8 ? `fuzz-${index}-${n}` : "x".repeat(2000)
        let path = `/xrpc/${route.nsid}`
        if (pick() < 0.08) path += "/"
        if (pick() < 0.05) path = path.replace("app.overlap.", "app.overlap.%")
        const query = queryFor(pick)
        const init: RequestInit = { method: route.method, headers }
        if (route.method === "POST") {
          const body = bodyFor(pick)
          init.body = body.text
          headers["content-type"] = body.type
        }
        const label = `case ${n}: ${route.method} ${path}?${query.slice(0, 120)} ${String(init.body ?? "").slice(0, 120)}`
        let response: Response
        try {
          response = await SELF.fetch(`http://localhost${path}${query ? `?${query}` : ""}`, init)
        } catch (error) {
          failures.push(`${label} → threw ${String(error)}`)
          continue
        }
        const text = await response.text()
        if (response.status >= 500) failures.push(`${label} → ${response.status} ${text.slice(0, 200)}`)
        else if (response.status >= 400) {
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            body = text
          }
          const shaped = typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "string" && typeof (body as { message?: unknown }).message === "string"
          if (!shaped) failures.push(`${label} → ${response.status} without { error, message }: ${text.slice(0, 200)}`)
        }
      }
      expect(failures).toEqual([])
    })
  }
})
