import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeSocialGraphTest } from "../../src/adapters/memory/SocialGraphTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { OffersRepo, type OfferPolicy } from "../../src/services/OffersRepo"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Anonymous callers of the matching API (issue #3 §4): no service-auth, a Turnstile token instead
// (TurnstileTest: tokens starting with `pass` verify once). They see and query only tier-`anyone` offers,
// are rate-limited per IP prefix, and cannot `match` (a hold needs the guest's DID and calendar).

const HOUR = 3_600_000
const MIN = 60_000
const DAY0 = Math.ceil((Date.now() + 3 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR
const day = (n: number) => DAY0 + n * 24 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, mutual: TestAccount
const tierDay: Record<OfferPolicy, number> = { mutual: 0, connected: 1, follower: 2, anyone: 3 }
const offerUri = (tier: OfferPolicy) => `at://${host.did}/app.overlap.slotOffer/${tier}`

interface World {
  readonly xrpc: XrpcHandler
  readonly calendars: CalendarProviderTestControl
  readonly dispose: () => Promise<void>
}

const makeWorld = async (limits: Parameters<typeof makeRateLimiterTest>[0] = {}): Promise<World> => {
  const calendars = new CalendarProviderTestControl()
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(calendars)
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([host, mutual])(repositories),
    makeRateLimiterTest(limits),
    TurnstileTest,
    makeSocialGraphTest({ follows: [[host.did, mutual.did], [mutual.did, host.did]] }),
    calendar,
    HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories))),
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  await runtime.runPromise(Effect.gen(function*() {
    const offers = yield* OffersRepo
    for (const tier of Object.keys(tierDay) as Array<OfferPolicy>) {
      yield* offers.upsert({
        uri: offerUri(tier), did: host.did, rkey: tier, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        rev: "3l000000000002", startAt: day(tierDay[tier]) + 9 * HOUR, endAt: day(tierDay[tier]) + 17 * HOUR,
        policy: tier, tz: "UTC", note: null, createdAt: Date.now()
      })
    }
  }))
  const xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)))
  return { xrpc, calendars, dispose: async () => { await xrpc.dispose(); await runtime.dispose() } }
}

let tokenSeq = 0
const turnstile = () => `pass-anon-${++tokenSeq}`

/** An anonymous request: no Authorization; the Turnstile token and client IP as given. */
const anon = async (
  world: World,
  nsid: string,
  init: { params?: Record<string, string>; body?: unknown; token?: string | null; ip?: string; key?: string } = {}
) => {
  const url = new URL(`http://appview.test/xrpc/${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { "cf-connecting-ip": init.ip ?? "203.0.113.9" }
  const token = init.token === undefined ? turnstile() : init.token
  if (token !== null) headers["cf-turnstile-response"] = token
  if (init.key) headers["idempotency-key"] = init.key
  if (init.body !== undefined) headers["content-type"] = "application/json"
  const response = await world.xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, any> }
}

const availability = (tier: OfferPolicy, extra: Record<string, string> = {}) => ({
  host: host.did, durationMin: "30", earliest: iso(day(tierDay[tier])), latest: iso(day(tierDay[tier] + 1)), tz: "UTC", ...extra
})

beforeEach(async () => {
  ;[host, mutual] = await Promise.all([makeAccount("anhost"), makeAccount("anmutual")])
})

describe("anonymous getOffers / getAvailability (Turnstile)", () => {
  let world: World
  beforeEach(async () => (world = await makeWorld()))
  afterEach(async () => world.dispose())

  it("with a valid Turnstile token: only `anyone` offers, and the graph is not needed", async () => {
    const res = await anon(world, "app.overlap.getOffers", { params: { host: host.did } })
    expect(res.status).toBe(200)
    expect(res.body.offers.map((o: { policy: string }) => o.policy)).toEqual(["anyone"])
    // the same host through service-auth (a mutual) sees every tier: the filter is the anonymity, not the host
    const url = `http://appview.test/xrpc/app.overlap.getOffers?host=${encodeURIComponent(host.did)}`
    const signed = await world.xrpc.handle(new Request(url, { headers: { authorization: `Bearer ${await mutual.token("app.overlap.getOffers")}` } }))
    expect(((await signed.json()) as any).offers).toHaveLength(4)
  })

  it("getAvailability: slots of the `anyone` offer from the host's calendar alone; other tiers are 403 TierNotMet", async () => {
    world.calendars.setBusy(host.did, [{ start: day(3) + 9 * HOUR, end: day(3) + 10 * HOUR }])
    const res = await anon(world, "app.overlap.getAvailability", { params: availability("anyone") })
    expect(res.status).toBe(200)
    expect(res.body.slots.length).toBeGreaterThan(0)
    for (const slot of res.body.slots) {
      const start = Date.parse(slot.start)
      expect(start).toBeGreaterThanOrEqual(day(3) + 10 * HOUR) // after the host's busy hour
      expect(Date.parse(slot.end) - start).toBe(30 * MIN)
    }
    // without `offer`: still only the `anyone` offer's day (the mutual offer's day has nothing for them)
    const other = await anon(world, "app.overlap.getAvailability", { params: availability("mutual") })
    expect([other.status, other.body.slots]).toEqual([200, []])
    const named = await anon(world, "app.overlap.getAvailability", { params: availability("mutual", { offer: offerUri("mutual") }) })
    expect([named.status, named.body.error]).toEqual([403, "TierNotMet"])
    // only the host's calendar was ever asked: an anonymous guest has none
    expect(new Set(world.calendars.calls.map((c) => c.did))).toEqual(new Set([host.did]))
  })

  it("without a token: 401 TurnstileRequired; a bad or reused token: 403 TurnstileRejected", async () => {
    for (const nsid of ["app.overlap.getOffers", "app.overlap.getAvailability"]) {
      const params = nsid.endsWith("getOffers") ? { host: host.did } : availability("anyone")
      const missing = await anon(world, nsid, { params, token: null })
      expect([missing.status, missing.body.error]).toEqual([401, "TurnstileRequired"])
      const bad = await anon(world, nsid, { params, token: "forged-token" })
      expect([bad.status, bad.body.error]).toEqual([403, "TurnstileRejected"])
      const token = turnstile()
      expect((await anon(world, nsid, { params, token })).status).toBe(200)
      const reused = await anon(world, nsid, { params, token })
      expect([reused.status, reused.body.error]).toEqual([403, "TurnstileRejected"])
    }
    expect(world.calendars.calls.filter((c) => c.op === "busy")).toHaveLength(1) // only the one accepted availability call
  })

  it("a bad Authorization is refused, never downgraded to anonymous", async () => {
    const url = new URL("http://appview.test/xrpc/app.overlap.getOffers")
    url.searchParams.set("host", host.did)
    const res = await world.xrpc.handle(new Request(url, { headers: { authorization: "Bearer x.y.z", "cf-turnstile-response": turnstile() } }))
    expect(res.status).toBe(401)
    expect(((await res.json()) as any).error).toBe("BadJwt")
  })
})

describe("anonymous match / getMatchStatus", () => {
  let world: World
  beforeEach(async () => (world = await makeWorld()))
  afterEach(async () => world.dispose())

  it("are refused with 401 AccountRequired saying why (with or without a Turnstile token); nothing is held", async () => {
    const body = {
      hostDid: host.did,
      offerUri: offerUri("anyone"),
      constraints: { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(day(3)), latest: iso(day(4)) }
    }
    for (const token of [null, turnstile()]) {
      const res = await anon(world, "app.overlap.match", { body, token, key: `anon-key-${tokenSeq}-abcdefgh` })
      expect([res.status, res.body.error]).toEqual([401, "AccountRequired"])
      expect(res.body.message).toMatch(/DID/)
      expect(res.body.message).toMatch(/calendar/)
    }
    const status = await anon(world, "app.overlap.getMatchStatus", { params: { token: "x.y" } })
    expect([status.status, status.body.error]).toEqual([401, "AccountRequired"])
    expect(world.calendars.calls).toHaveLength(0)
    // with service-auth the same body holds
    const url = "http://appview.test/xrpc/app.overlap.match"
    const signed = await world.xrpc.handle(new Request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await mutual.token("app.overlap.match")}`,
        "content-type": "application/json",
        "idempotency-key": "signed-key-0123456789"
      },
      body: JSON.stringify(body)
    }))
    expect(signed.status).toBe(200)
  })
})

describe("anonymous rate limits", () => {
  it("share one bucket per /24 (a different /24 has its own); 429 with Retry-After", async () => {
    const world = await makeWorld({ availability: { capacity: 2, refillPerSecond: 1 / 600 } })
    try {
      const params = availability("anyone")
      expect((await anon(world, "app.overlap.getAvailability", { params, ip: "198.51.100.7" })).status).toBe(200)
      const second = await anon(world, "app.overlap.getAvailability", { params, ip: "198.51.100.200" })
      expect(second.status).toBe(200)
      expect(second.headers.get("ratelimit-remaining")).toBe("0")
      const third = await anon(world, "app.overlap.getAvailability", { params, ip: "198.51.100.33" })
      expect([third.status, third.body.error]).toEqual([429, "RateLimited"])
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0)
      // another network, and an authenticated caller from the same network, have their own buckets
      expect((await anon(world, "app.overlap.getAvailability", { params, ip: "198.51.101.7" })).status).toBe(200)
      const url = new URL("http://appview.test/xrpc/app.overlap.getAvailability")
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
      const signed = await world.xrpc.handle(new Request(url, {
        headers: { authorization: `Bearer ${await mutual.token("app.overlap.getAvailability")}`, "cf-connecting-ip": "198.51.100.7" }
      }))
      expect(signed.status).toBe(200)
    } finally {
      await world.dispose()
    }
  })
})
