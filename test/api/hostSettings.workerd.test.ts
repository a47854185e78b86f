import { env } from "cloudflare:test"
import { HttpClient, HttpClientResponse, UrlParams } from "@effect/platform"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { AnalyticsLive } from "../../src/adapters/analytics/AnalyticsLive"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { makeSocialGraphLive } from "../../src/adapters/atproto/SocialGraphLive"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { OffersRepo } from "../../src/services/OffersRepo"
import { leavingNoAlarms } from "../support/alarms"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Issue 15 items 3 and 4 through the front door, inside workerd over the real stores: the XRPC handler on the
// Live layers (D1 host_settings, the real HostMatchDO, RateLimiterDO), calendars in memory. A host saves rules
// with app.overlap.settings.put; the next getAvailability and match obey them (a day off, notice, the per-guest
// hold limit in the host's object); bad settings are a 400 naming the field; another caller's settings.get is
// refused.

const HOUR = 3_600_000
const DAY = 24 * HOUR
const DAY0 = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY
const iso = (ms: number) => new Date(ms).toISOString()
const date = (ms: number) => iso(ms).slice(0, 10)

/** The (guest, host) information budget (issue 12 item 3) allows a few answers per guest: each step asks as its own guest. */
let host: TestAccount, guest: TestAccount, other: TestAccount, third: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
const calendars = new CalendarProviderTestControl()

/**
 * The Bluesky AppView's getRelationships, answered in memory: the actor follows everyone (so the host's shared
 * budget for strangers is not what these steps test; the offer is tier anyone).
 */
const appView = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) => {
    const param = (name: string) => Option.getOrElse(UrlParams.getFirst(request.urlParams, name), () => "")
    return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json({
      actor: param("actor"),
      relationships: [{
        $type: "app.bsky.graph.defs#relationship",
        did: param("others"),
        following: `at://${param("actor")}/app.bsky.graph.follow/3l000000000001`
      }]
    })))
  })
)

beforeAll(async () => {
  ;[host, guest, other, third] = await Promise.all([makeAccount("hshost"), makeAccount("hsguest"), makeAccount("hsother"), makeAccount("hsthird")])
  const root = CloudflareEnv.layer({ ...env, ANALYTICS: { writeDataPoint: () => undefined } } as unknown as Env)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([host, guest, other, third])(repositories),
    RateLimiterLive.pipe(Layer.provide(root)),
    TurnstileTest,
    makeSocialGraphLive().pipe(Layer.provide(Layer.merge(root, appView))),
    calendarProviderTestLayer(calendars),
    HoldStoreLive.pipe(Layer.provide(root)),
    AnalyticsLive.pipe(Layer.provide(root)),
    makeIdentityResolverTest({ documents: [host, guest, other, third].map((a) => makeDidDocument({ did: a.did, signingKey: a.keypair.did() })) })
  )
  runtime = ManagedRuntime.make(services)
  const context = (await runtime.runtime()).context
  // One offer, 09:00–17:00 UTC on three days.
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    Effect.forEach([0, 1, 2], (d) =>
      offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
        startAt: DAY0 + d * DAY + 9 * HOUR, endAt: DAY0 + d * DAY + 17 * HOUR, policy: "anyone", tz: "UTC", note: null,
        createdAt: Date.now()
      }))))
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context)))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
})

let keys = 0
const call = async (nsid: string, as: TestAccount, init: { params?: Record<string, string>; body?: unknown } = {}) => {
  const url = new URL(`http://appview.test/xrpc/${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.51", authorization: `Bearer ${await as.token(nsid)}` }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `hs-${Date.now()}-${++keys}-abcdef`
  }
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

const availability = (from: number, to: number, as = guest) =>
  call("app.overlap.getAvailability", as, {
    params: { host: host.did, durationMin: "30", earliest: iso(from), latest: iso(to), tz: "UTC" }
  })
const matchOn = (as: TestAccount, from: number, to: number) =>
  call("app.overlap.match", as, { body: { hostDid: host.did, constraints: { durationMin: 30, durationMax: 30, earliest: iso(from), latest: iso(to), tz: "UTC" } } })

describe("host settings through the XRPC front door (workerd, D1, HostMatchDO)", () => {
  it("put then get; a day off and notice shape getAvailability and match; the hold limit reaches the host's object", leavingNoAlarms([env.RATE_LIMITER, env.HOST_MATCH], async () => {
    // Nothing saved: the defaults, and no settings.
    const empty = await call("app.overlap.settings.get", host)
    expect(empty).toMatchObject({ status: 200, body: { settings: { rules: {} }, defaults: { minimumNoticeMin: 60, slotStepMin: 15, guestsMayReschedule: false, maxLiveHoldsPerGuest: 1 } } })
    expect(empty.body.updatedAt).toBeUndefined()

    // Before any rule: day 0 has slots.
    const before = await availability(DAY0, DAY0 + DAY)
    expect(before.status).toBe(200)
    expect(before.body.slots.length).toBeGreaterThan(0)

    const settings = {
      timeZone: "UTC",
      rules: { bufferBeforeMin: 10, maxLiveHoldsPerGuest: 2 },
      eventTypes: [{ eventType: "consult", rules: { bufferAfterMin: 25 } }],
      dateOverrides: [
        { from: date(DAY0), hours: [] },
        { from: date(DAY0 + DAY), until: date(DAY0 + DAY), hours: [{ start: "14:00", end: "15:00" }] }
      ]
    }
    const put = await call("app.overlap.settings.put", host, { body: settings })
    expect(put).toMatchObject({ status: 200, body: { settings } })
    expect(Date.parse(put.body.updatedAt)).toBeGreaterThan(0)
    expect(await call("app.overlap.settings.get", host)).toMatchObject({ status: 200, body: { settings } })
    const row = await env.DB.prepare("SELECT settings FROM host_settings WHERE host_did = ?").bind(host.did).first<{ settings: string }>()
    expect(JSON.parse(row!.settings)).toEqual(settings)

    // The day off: no slot on day 0; day 1 only 14:00–15:00.
    expect(await availability(DAY0, DAY0 + DAY)).toMatchObject({ status: 200, body: { slots: [] } })
    const day1 = await availability(DAY0 + DAY, DAY0 + 2 * DAY)
    expect(day1.status).toBe(200)
    expect(day1.body.slots.length).toBeGreaterThan(0)
    for (const slot of day1.body.slots) {
      expect(Date.parse(slot.start)).toBeGreaterThanOrEqual(DAY0 + DAY + 14 * HOUR)
      expect(Date.parse(slot.end)).toBeLessThanOrEqual(DAY0 + DAY + 15 * HOUR)
    }

    // match, through the host's object: not on the day off, and two live holds for one guest (the host allows 2).
    const first = await matchOn(other, DAY0, DAY0 + 3 * DAY)
    expect(first.status).toBe(200)
    expect(first.body.result.slot.start).toBe(iso(DAY0 + DAY + 14 * HOUR))
    const second = await matchOn(other, DAY0, DAY0 + 3 * DAY)
    expect(second.status, JSON.stringify(second.body)).toBe(200)
    expect(Date.parse(second.body.result.slot.start)).toBeGreaterThanOrEqual(DAY0 + DAY + 14 * HOUR)
    const over = await matchOn(other, DAY0, DAY0 + 3 * DAY)
    expect(over).toMatchObject({ status: 409, body: { error: "TooManyHolds" } })

    // Notice: 7 days leave nothing in these three days (day 2 ends less than 7 days from now).
    expect((await call("app.overlap.settings.put", host, { body: { rules: { minimumNoticeMin: 7 * 24 * 60 } } })).status).toBe(200)
    const tooSoon = await availability(Date.now(), DAY0 + 3 * DAY, third)
    expect(tooSoon).toMatchObject({ status: 200, body: { slots: [] } })
  }))

  it("refuses settings it cannot use with a 400 naming the field, and keeps the saved ones", async () => {
    const saved = { rules: { slotStepMin: 30 } }
    expect((await call("app.overlap.settings.put", other, { body: saved })).status).toBe(200)
    const cases: Array<[unknown, string]> = [
      [{ rules: { bufferBeforeMin: 5000 } }, "bufferBeforeMin"],
      [{ rules: { slotStepMin: 2 } }, "slotStepMin"],
      [{ rules: { maxBookingsPerWeek: 0 } }, "maxBookingsPerWeek"],
      [{ rules: { maxLiveHoldsPerGuest: 21 } }, "maxLiveHoldsPerGuest"],
      [{ rules: { bookableFrom: "2026-02-30" } }, "rules.bookableFrom"],
      [{ rules: { bookableFrom: "2026-03-02", bookableUntil: "2026-03-01" } }, "rules.bookableUntil"],
      [{ timeZone: "Mars/Olympus", rules: {} }, "timeZone"],
      [{ rules: {}, dateOverrides: [{ from: "2026-05-01", hours: [{ start: "15:00", end: "14:00" }] }] }, "dateOverrides.0.hours.0.end"],
      [{ rules: {}, eventTypes: [{ eventType: "a", rules: {} }, { eventType: "a", rules: {} }] }, "eventTypes.1.eventType"],
      [{ rules: { guestsMayReschedule: "yes" } }, "guestsMayReschedule"]
    ]
    for (const [body, field] of cases) {
      const refused = await call("app.overlap.settings.put", other, { body })
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.body.error).toBe("InvalidRequest")
      expect(refused.body.message).toContain(field)
    }
    expect(await call("app.overlap.settings.get", other)).toMatchObject({ status: 200, body: { settings: saved } })
  })

  it("another caller's settings.get is refused (403 NotOwner) and tells nothing", async () => {
    await call("app.overlap.settings.put", host, { body: { rules: { maxBookingsPerDay: 3 } } })
    const refused = await call("app.overlap.settings.get", other, { params: { host: host.did } })
    expect(refused).toMatchObject({ status: 403, body: { error: "NotOwner" } })
    expect(JSON.stringify(refused.body)).not.toContain("maxBookingsPerDay")
    // the caller's own settings, never the host's
    expect(JSON.stringify((await call("app.overlap.settings.get", other)).body)).not.toContain("maxBookingsPerDay")
  })
})
