import { env } from "cloudflare:test"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { AnalyticsLive } from "../../src/adapters/analytics/AnalyticsLive"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { BookingLifecycleLive } from "../../src/adapters/objects/BookingLifecycleLive"
import { HoldStoreLive } from "../../src/adapters/objects/HoldStoreLive"
import { makeDidDocument, makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { RateLimiterLive } from "../../src/adapters/objects/RateLimiterLive"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { civilDay } from "../../src/domain/slots/civil"
import { isoWeekOf } from "../../src/domain/slots/dailyLimit"
import { noRelationship } from "../../src/domain/policy"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { leavingNoAlarms } from "../support/alarms"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Issue 15: getAvailability subtracts the caps already used. Through the XRPC front door inside workerd over the
// real stores (D1 host_settings, HostMatchDO, BookingDO through BookingLifecycle Live): a host with
// maxBookingsPerDay 1 and one meeting (matched, then finalized by the host) offers nothing more on that day
// and still offers the next day; with maxBookingsPerWeek 1 the whole host-local week is closed. On the old code
// getAvailability read only the calendars and offered that day's times (match then refused them with 409).

const HOUR = 3_600_000
const DAY = 24 * HOUR
const DAY0 = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY
const OFFER_DAYS = 10
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, booker: TestAccount
/** The (guest, host) information budget allows a few answers per guest: each look asks as a fresh guest. */
let lookers: Array<TestAccount>
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
const calendars = new CalendarProviderTestControl()

beforeAll(async () => {
  ;[host, booker, ...lookers] = await Promise.all(
    ["caphost", "capbooker", "caplooka", "caplookb", "caplookc", "caplookd", "caplooke", "caplookf"].map(makeAccount)
  )
  const accounts = [host!, booker!, ...lookers]
  const root = CloudflareEnv.layer({ ...env, ANALYTICS: { writeDataPoint: () => undefined } } as unknown as Env)
  const repositories = RepositoriesLive.pipe(Layer.provide(root))
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor(accounts)(repositories),
    RateLimiterLive.pipe(Layer.provide(root)),
    TurnstileTest,
    Layer.succeed(SocialGraph, SocialGraph.of({ relationship: () => Effect.succeed({ ...noRelationship, following: true, followedBy: true }) })),
    calendarProviderTestLayer(calendars),
    HoldStoreLive.pipe(Layer.provide(root)),
    BookingLifecycleLive.pipe(Layer.provide(root)),
    AnalyticsLive.pipe(Layer.provide(root)),
    makeIdentityResolverTest({ documents: accounts.map((a) => makeDidDocument({ did: a.did, signingKey: a.keypair.did() })) })
  )
  runtime = ManagedRuntime.make(services)
  const context = (await runtime.runtime()).context
  // One offer a day, 09:00–17:00 UTC, on OFFER_DAYS days (so a later host-local week always has some).
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    Effect.forEach(Array.from({ length: OFFER_DAYS }, (_, d) => d), (d) =>
      offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/c${d}`, did: host.did, rkey: `c${d}`,
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
  const headers: Record<string, string> = { "cf-connecting-ip": "192.0.2.61", authorization: `Bearer ${await as.token(nsid)}` }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `cap-${Date.now()}-${++keys}-abcdef`
  }
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

let looked = 0
/** getAvailability for a 30-minute meeting between `from` and `to`, as the next fresh guest. */
const availability = async (from: number, to: number) => {
  const answer = await call("app.overlap.getAvailability", lookers[looked++]!, {
    params: { host: host.did, durationMin: "30", earliest: iso(from), latest: iso(to), tz: "UTC" }
  })
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return (answer.body.slots as Array<{ start: string }>).map((slot) => Date.parse(slot.start))
}
const dayOf = (ms: number) => Math.floor((ms - DAY0) / DAY)
const weekOf = (ms: number) => isoWeekOf(civilDay(ms))

describe("getAvailability subtracts the caps already used (workerd, XRPC front door)", () => {
  it("a day with a confirmed meeting and a 1-a-day cap offers nothing, the next day does; a 1-a-week cap closes the week", leavingNoAlarms([env.RATE_LIMITER, env.HOST_MATCH], async () => {
    expect((await call("app.overlap.settings.put", host, { body: { timeZone: "UTC", rules: { maxBookingsPerDay: 1 } } })).status).toBe(200)
    // Before any meeting the first day has times.
    expect((await availability(DAY0, DAY0 + DAY)).length).toBeGreaterThan(0)

    // The booker takes a time on day 0; the host confirms it.
    const held = await call("app.overlap.match", booker, {
      body: { hostDid: host.did, constraints: { durationMin: 30, durationMax: 30, earliest: iso(DAY0), latest: iso(DAY0 + DAY), tz: "UTC" } }
    })
    expect(held.status, JSON.stringify(held.body)).toBe(200)
    const bookingId = held.body.result.bookingId as string
    expect(dayOf(Date.parse(held.body.result.slot.start))).toBe(0)
    const finalized = await call("app.overlap.finalize", host, { body: { bookingId } })
    expect(finalized, JSON.stringify(finalized.body)).toMatchObject({ status: 200, body: { booking: { status: "confirmed" } } })

    // Day 0 is full: no candidate there; day 1 still has some.
    expect(await availability(DAY0, DAY0 + DAY)).toEqual([])
    const twoDays = await availability(DAY0, DAY0 + 2 * DAY)
    expect(twoDays.length).toBeGreaterThan(0)
    expect(twoDays.every((start) => dayOf(start) === 1)).toBe(true)

    // The same day again as another guest: what was offered is what match would give (not a 409 after offering).
    const refused = await call("app.overlap.match", lookers[looked++]!, {
      body: { hostDid: host.did, constraints: { durationMin: 30, durationMax: 30, earliest: iso(DAY0), latest: iso(DAY0 + DAY), tz: "UTC" } }
    })
    expect(refused).toMatchObject({ status: 409, body: { error: "NoSlotAvailable" } })

    // A weekly cap of one: the meeting's whole (UTC) ISO week is closed, the next week is open.
    expect((await call("app.overlap.settings.put", host, { body: { timeZone: "UTC", rules: { maxBookingsPerWeek: 1 } } })).status).toBe(200)
    const weeks = await availability(DAY0, DAY0 + OFFER_DAYS * DAY)
    expect(weeks.length).toBeGreaterThan(0)
    expect(weeks.every((start) => weekOf(start) > weekOf(DAY0))).toBe(true)

    // The answer says nothing of the rule or the count.
    const raw = await call("app.overlap.getAvailability", lookers[looked++]!, {
      params: { host: host.did, durationMin: "30", earliest: iso(DAY0), latest: iso(DAY0 + OFFER_DAYS * DAY), tz: "UTC" }
    })
    expect(JSON.stringify(raw.body)).not.toMatch(/maxBookings|count|cap/i)
  }))
})
