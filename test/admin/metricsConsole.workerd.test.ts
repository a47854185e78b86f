// Metrics through the real code paths inside workerd, and the console's metric pages behind Cloudflare Access.
// In development every data point the workers hand to Analytics Engine is also recorded in D1's metric_points (the
// local record the console reads), so these tests read what the real emitters wrote: an XRPC request through the
// AppView's fetch, a queue batch through its queue handler, a Durable Object's constructor. The console's /admin/metrics
// and /admin/slo answer only to a valid Access token; in staging they ask the Analytics Engine SQL API (fetchMock
// stands in for api.cloudflare.com and checks the request).
import { createMessageBatch, env, fetchMock } from "cloudflare:test"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import appview from "../../src/entry/appview"
import type { Env } from "../../src/platform/CloudflareEnv"
import { ACCESS_AUD, ACCESS_ISSUER, ACCESS_TEAM, type AccessSigner, accessSigner, accessToken } from "../support/accessSigner"

interface PointRow {
  readonly index1: string
  readonly blobs: ReadonlyArray<string>
  readonly doubles: ReadonlyArray<number>
}

const points = async (index1: string): Promise<ReadonlyArray<PointRow>> => {
  const { results } = await env.DB.prepare("SELECT index1, blobs, doubles FROM metric_points WHERE index1 = ? ORDER BY id").bind(index1).all<{ index1: string; blobs: string; doubles: string }>()
  return results.map((r) => ({ index1: r.index1, blobs: JSON.parse(r.blobs) as Array<string>, doubles: JSON.parse(r.doubles) as Array<number> }))
}

/** Waits (on the condition, not a clock) until `index1` has a point matching `match`. */
const pointWhere = async (index1: string, match: (p: PointRow) => boolean): Promise<PointRow> => {
  for (let i = 0; i < 200; i++) {
    const found = (await points(index1)).find(match)
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no ${index1} point matched; have ${JSON.stringify(await points(index1))}`)
}

const record = (at: number, index1: string, blobs: ReadonlyArray<string>, doubles: ReadonlyArray<number>) =>
  env.DB.prepare("INSERT INTO metric_points (timestamp, index1, blobs, doubles) VALUES (?, ?, ?, ?)").bind(at, index1, JSON.stringify(blobs), JSON.stringify(doubles))

let key: AccessSigner
const envWith = (vars: Partial<Env> = {}): Env => ({ ...env, ACCESS_TEAM_DOMAIN: ACCESS_TEAM, ACCESS_AUD, WORKER_HEALTH_URLS: "{}", ...vars } as Env)
const get = async (path: string, signed: boolean, vars: Partial<Env> = {}) => {
  const headers: Record<string, string> = signed ? { "cf-access-jwt-assertion": await accessToken(key) } : {}
  const response = await appview.fetch(new Request(`http://localhost${path}`, { headers }) as Request<unknown, IncomingRequestCfProperties>, envWith(vars))
  return { status: response.status, text: await response.text() }
}

beforeAll(async () => {
  key = await accessSigner("team-key-metrics")
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
beforeEach(() => {
  fetchMock.get(ACCESS_ISSUER).intercept({ path: "/cdn-cgi/access/certs" })
    .reply(200, JSON.stringify({ keys: [key.jwk] }), { headers: { "content-type": "application/json" } }).persist()
})
afterAll(() => fetchMock.deactivate())

describe("metrics written by the real code paths (local record in D1)", () => {
  it("an XRPC request through the AppView's fetch: method, status class, status and latency; a made-up method is 'unknown'", async () => {
    const bad = await appview.fetch(new Request("http://localhost/xrpc/app.overlap.getBooking?id=") as Request<unknown, IncomingRequestCfProperties>, env as Env)
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    const point = await pointWhere("xrpc_request", (p) => p.blobs[1] === "app.overlap.getBooking")
    expect(point.blobs).toEqual(["xrpc_request", "app.overlap.getBooking", "4xx", String(bad.status)])
    expect(point.doubles[0]).toBeGreaterThanOrEqual(0)
    const unknown = await appview.fetch(new Request("http://localhost/xrpc/com.example.madeUp") as Request<unknown, IncomingRequestCfProperties>, env as Env)
    expect(unknown.status).toBe(501)
    expect((await pointWhere("xrpc_request", (p) => p.blobs[1] === "unknown")).blobs).toEqual(["xrpc_request", "unknown", "5xx", "501"])
    expect(JSON.stringify(await points("xrpc_request"))).not.toContain("com.example.madeUp")
  })

  it("a queue batch through the AppView's queue handler: the oldest message's age, the count and the mean age", async () => {
    const now = Date.now()
    const batch = createMessageBatch<unknown>("calendar-tasks", [
      { id: "m1", attempts: 1, body: { not: "a calendar task" }, timestamp: new Date(now - 90_000) },
      { id: "m2", attempts: 1, body: { not: "a calendar task" }, timestamp: new Date(now - 30_000) }
    ])
    await appview.queue!(batch, env as Env)
    const point = await pointWhere("queue_age", (p) => p.blobs[1] === "calendar-tasks")
    const [oldest, messages, mean] = point.doubles
    expect(messages).toBe(2)
    expect(oldest).toBeGreaterThanOrEqual(90)
    expect(oldest).toBeLessThan(120)
    expect(mean).toBeGreaterThanOrEqual(60)
    expect(mean).toBeLessThan(oldest!)
  })

  it("a Durable Object's constructor counts one start of its class (BookingDO, UserConnectorDO)", async () => {
    const stub = env.BOOKING.get(env.BOOKING.idFromName(`metrics-${crypto.randomUUID()}`))
    expect((await stub.health()).ok).toBe(true)
    const point = await pointWhere("do_restart", (p) => p.blobs[1] === "BookingDO")
    expect(point.doubles).toEqual([1])
    const connectors = env.USER_CONNECTOR.get(env.USER_CONNECTOR.idFromName(`did:plc:metrics${crypto.randomUUID().slice(0, 8)}`))
    expect((await connectors.health()).ok).toBe(true)
    expect((await pointWhere("do_restart", (p) => p.blobs[1] === "UserConnectorDO")).doubles).toEqual([1])
  })
})

describe("/admin/metrics and /admin/slo", () => {
  it("answer 403 without a valid Access token, and 400 naming the field for a window not offered", async () => {
    expect((await get("/admin/metrics", false)).status).toBe(403)
    expect((await get("/admin/slo?window=7d", false)).status).toBe(403)
    const bad = await get("/admin/slo?window=90d", true)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain("window: one of 1h, 6h, 24h, 7d")
  })

  it("draws the KPI charts from the local record as SVG (ECharts), one series per provider", async () => {
    const now = Date.now()
    await env.DB.batch([
      record(now - 60_000, "time_to_match", ["time_to_match", "held"], [120]),
      record(now - 50_000, "time_to_match", ["time_to_match", "held"], [480]),
      record(now - 40_000, "provider_latency", ["provider_latency", "google", "ok", "200"], [210]),
      record(now - 40_000, "provider_latency", ["provider_latency", "microsoft", "error", "503"], [900]),
      record(now - 30_000, "xrpc_request", ["xrpc_request", "app.overlap.match", "5xx", "500"], [40])
    ])
    const page = await get("/admin/metrics?window=1h", true)
    expect(page.status).toBe(200)
    expect(page.text).toContain("Source: local record")
    expect(page.text).toMatch(/<svg role="img" aria-label="time_to_match_ms \(p50, p95\)"/)
    expect(page.text).toMatch(/<svg role="img" aria-label="provider_latency_ms p95 per provider"/)
    const providerChart = page.text.slice(page.text.indexOf('aria-label="provider_latency_ms'))
    expect(providerChart.slice(0, providerChart.indexOf("</svg>"))).toMatch(/google[\s\S]*microsoft|microsoft[\s\S]*google/)
    expect(page.text).toMatch(/<td>app\.overlap\.match<\/td><td>1<\/td><td>0<\/td><td>1<\/td>/)
    expect(page.text).toContain("do_restarts per class")
    expect(page.text).not.toContain("<script")
  })

  it("computes each objective and its error budget from the recorded points", async () => {
    const now = Date.now()
    const rows = [
      // match success: 200 valid (refusals aside), 1 error → 99.5 %, budget left 1 − 1 / 2 = 50 %
      ...Array.from({ length: 199 }, () => record(now - 120_000, "time_to_match", ["time_to_match", "held"], [50])),
      record(now - 120_000, "time_to_match", ["time_to_match", "error"], [50]),
      record(now - 120_000, "time_to_match", ["time_to_match", "refused"], [5]),
      // availability: 20 requests, 2 slower than 300 ms → 90 % < 95 %: missed, budget left 1 − 2 / 1 = −100 %
      ...Array.from({ length: 18 }, () => record(now - 60_000, "xrpc_request", ["xrpc_request", "app.overlap.getOffers", "2xx", "200"], [30])),
      ...Array.from({ length: 2 }, () => record(now - 60_000, "xrpc_request", ["xrpc_request", "app.overlap.getOffers", "2xx", "200"], [900]))
      // ingest lag: no reports → no data
    ]
    for (let i = 0; i < rows.length; i += 50) await env.DB.batch(rows.slice(i, i + 50))
    const page = await get("/admin/slo?window=1h", true)
    expect(page.status).toBe(200)
    const row = (title: string) => {
      const start = page.text.indexOf(title)
      return page.text.slice(start, page.text.indexOf("</tr>", start))
    }
    expect(row("Match success")).toMatch(/<td>200<\/td><td>1<\/td><td>99\.50 %<\/td><td><span class="good">50\.0 %<\/span><\/td><td><span class="good">met<\/span>/)
    expect(row("Availability")).toMatch(/<td>20<\/td><td>2<\/td><td>90\.00 %<\/td><td><span class="bad">-100\.0 %<\/span><\/td><td><span class="bad">missed<\/span>/)
    expect(row("Ingest lag")).toMatch(/<td>0<\/td><td>0<\/td><td>—<\/td><td>—<\/td><td>no data/)
  })

  it("in staging asks the Analytics Engine SQL API with the account's token, and says so when it fails", async () => {
    const asked: Array<{ readonly body: string; readonly auth: string | undefined }> = []
    fetchMock.get("https://api.cloudflare.com").intercept({ path: "/client/v4/accounts/acc-123/analytics_engine/sql", method: "POST" })
      .reply((request) => {
        const body = String(request.body)
        const headers = request.headers as Record<string, string>
        asked.push({ body, auth: headers.authorization ?? headers.Authorization })
        const data = body.includes("'time_to_match'")
          ? [{ valid: "1000", good: "995" }]
          : body.includes("'xrpc_request'")
          ? [{ valid: "400", good: "399", p95: 120 }]
          : [{ valid: "50", good: "50", p99: 800 }]
        return { statusCode: 200, data: JSON.stringify({ meta: [{ name: "valid", type: "UInt64" }, { name: "good", type: "UInt64" }], data, rows: 1, rows_before_limit_at_least: 1 }) }
      }).times(3)
    const staging = { ENVIRONMENT: "staging", ANALYTICS_ACCOUNT_ID: "acc-123", ANALYTICS_API_TOKEN: "analytics-read-token" } as Partial<Env>
    const page = await get("/admin/slo?window=24h", true, staging)
    expect(page.status).toBe(200)
    expect(page.text).toContain("Source: Analytics Engine dataset overlap_events_staging")
    expect(asked).toHaveLength(3)
    for (const call of asked) {
      expect(call.auth).toBe("Bearer analytics-read-token")
      expect(call.body).toContain("FROM overlap_events_staging")
      expect(call.body).toContain("_sample_interval")
      expect(call.body).toContain("INTERVAL '1440' MINUTE")
    }
    expect(asked.find((c) => c.body.includes("'xrpc_request'"))!.body).toContain("quantileExactWeighted(0.95)(double1, _sample_interval)")
    expect(page.text).toMatch(/<td>1000<\/td><td>5<\/td><td>99\.50 %<\/td>/)
    expect(page.text).not.toContain("analytics-read-token")

    fetchMock.get("https://api.cloudflare.com").intercept({ path: "/client/v4/accounts/acc-123/analytics_engine/sql", method: "POST" })
      .reply(403, JSON.stringify({ errors: [{ message: "Authentication error" }] })).times(3)
    const refused = await get("/admin/slo?window=24h", true, staging)
    expect(refused.status).toBe(200)
    expect(refused.text).toContain("metrics unavailable (SQL API answered 403")
    const unset = await get("/admin/slo", true, { ENVIRONMENT: "staging" })
    expect(unset.text).toContain("ANALYTICS_ACCOUNT_ID and ANALYTICS_API_TOKEN are not set")
  })
})
