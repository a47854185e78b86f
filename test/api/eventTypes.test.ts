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
import { EventTypesRepo } from "../../src/services/EventTypesRepo"
import { OffersRepo } from "../../src/services/OffersRepo"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// Event types (issue 15 item 2) and slots in both zones (item 6) through the real HttpApi: getEventTypes,
// getOffers / getAvailability / match with `eventType`, and the 400s naming the field. The host offers weekly
// hours in Berlin (weekdays 09:00–12:00 and 13:00–17:00) and one single window; calendars are free.

const HOUR = 3_600_000
const DAY = 24 * HOUR
const DAY0 = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY
const iso = (ms: number) => new Date(ms).toISOString()
const CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"

let host: TestAccount, guest: TestAccount, stranger: TestAccount, other: TestAccount
let xrpc: XrpcHandler
let dispose: () => Promise<void>
const weeklyUri = () => `at://${host.did}/app.overlap.slotOffer/weekly`
const singleUri = () => `at://${host.did}/app.overlap.slotOffer/single`

const offset = (tz: string, t: number): number => {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(t).map((p) => [p.type, p.value]))
  return (Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!) - t) / 60_000
}
/** What the answer must say for `t` in `tz`: the local wall clock and the zone's offset. */
const expectedIn = (t: number, tz: string): string => {
  const off = offset(tz, t)
  const local = new Date(t + off * 60_000).toISOString().slice(0, 19)
  const sign = off < 0 ? "-" : "+"
  return `${local}${sign}${String(Math.floor(Math.abs(off) / 60)).padStart(2, "0")}:${String(Math.abs(off) % 60).padStart(2, "0")}`
}

const seed = (withEventTypes: boolean) =>
  Effect.gen(function*() {
    const offers = yield* OffersRepo
    yield* offers.upsert({
      uri: weeklyUri(), did: host.did, rkey: "weekly", cid: CID, rev: "3l000000000002",
      startAt: DAY0 - 30 * DAY, endAt: DAY0 - 30 * DAY + HOUR, policy: "anyone", tz: "Europe/Berlin", note: null, createdAt: Date.now(),
      weekly: [
        { days: ["monday", "tuesday", "wednesday", "thursday", "friday"], start: "09:00", end: "12:00" },
        { days: ["monday", "tuesday", "wednesday", "thursday", "friday"], start: "13:00", end: "17:00" }
      ],
      validFrom: DAY0 - 30 * DAY,
      validUntil: null
    })
    yield* offers.upsert({
      uri: singleUri(), did: host.did, rkey: "single", cid: CID, rev: "3l000000000002",
      startAt: DAY0 + 20 * HOUR, endAt: DAY0 + 22 * HOUR, policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
    })
    if (!withEventTypes) return
    const eventTypes = yield* EventTypesRepo
    yield* eventTypes.upsert({
      uri: `at://${host.did}/app.overlap.eventType/intro`, did: host.did, rkey: "intro", cid: CID, rev: "3l000000000002",
      slug: "intro", name: "Intro call", description: null, durations: [30], policy: "anyone",
      location: { $type: "app.overlap.defs#locationVideo", url: "https://video.example/host" },
      offers: [weeklyUri()], createdAt: Date.now()
    })
    yield* eventTypes.upsert({
      uri: `at://${host.did}/app.overlap.eventType/inner-circle`, did: host.did, rkey: "inner-circle", cid: CID, rev: "3l000000000002",
      slug: "inner-circle", name: "Long talk", description: "For friends", durations: [60, 90], policy: "mutual",
      location: null, offers: null, createdAt: Date.now()
    })
  })

const start = async (withEventTypes: boolean) => {
  const calendars = new CalendarProviderTestControl()
  const calendar = calendarProviderTestLayer(calendars)
  const services = Layer.mergeAll(
    RepositoriesTest,
    serviceAuthFor([host, guest, stranger, other])(RepositoriesTest),
    makeRateLimiterTest({}),
    TurnstileTest,
    makeSocialGraphTest({ follows: [[host.did, guest.did], [guest.did, host.did]], blocks: [] }),
    calendar,
    HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, RepositoriesTest))),
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)))
  await runtime.runPromise(seed(withEventTypes) as Effect.Effect<void, unknown, never>)
  dispose = async () => {
    await xrpc.dispose()
    await runtime.dispose()
  }
}

const call = async (nsid: string, as: TestAccount, init: { params?: Record<string, string>; body?: unknown } = {}) => {
  const url = new URL(`http://appview.test/xrpc/${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { authorization: `Bearer ${await as.token(nsid)}` }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `k-${Math.random().toString(36).slice(2)}-abcdefgh`
  }
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

const availability = (as: TestAccount, params: Record<string, string>) =>
  call("app.overlap.getAvailability", as, {
    params: { host: host.did, durationMin: "30", earliest: iso(DAY0), latest: iso(DAY0 + 7 * DAY), tz: "America/New_York", ...params }
  })

beforeEach(async () => {
  ;[host, guest, stranger, other] = await Promise.all(["ethost", "etguest", "etstranger", "etother"].map((n) => makeAccount(n)))
})
afterEach(async () => dispose())

describe("event types", () => {
  beforeEach(async () => start(true))

  it("getEventTypes lists the host's event types the caller may book", async () => {
    const mine = await call("app.overlap.getEventTypes", guest, { params: { host: host.did } })
    expect(mine.status).toBe(200)
    expect(mine.body.eventTypes.map((e: any) => e.slug)).toEqual(["inner-circle", "intro"])
    expect(mine.body.eventTypes[1]).toMatchObject({
      name: "Intro call", durations: [30], policy: "anyone", offers: [weeklyUri()],
      location: { $type: "app.overlap.defs#locationVideo", url: "https://video.example/host" }
    })
    const theirs = await call("app.overlap.getEventTypes", stranger, { params: { host: host.did } })
    expect(theirs.body.eventTypes.map((e: any) => e.slug)).toEqual(["intro"])
  })

  it("getOffers with an event type shows only the offers it draws on, with the weekly hours", async () => {
    const all = await call("app.overlap.getOffers", guest, { params: { host: host.did } })
    expect(all.body.offers.map((o: any) => o.uri).sort()).toEqual([singleUri(), weeklyUri()].sort())
    const intro = await call("app.overlap.getOffers", guest, { params: { host: host.did, eventType: "intro" } })
    expect(intro.status).toBe(200)
    expect(intro.body.offers.map((o: any) => o.uri)).toEqual([weeklyUri()])
    expect(intro.body.offers[0].weekly).toHaveLength(2)
  })

  it("getAvailability under an event type: its lengths, its offers, each slot in the guest's and the host's zone", async () => {
    const { body, status } = await availability(guest, { eventType: `at://${host.did}/app.overlap.eventType/intro` })
    expect(status).toBe(200)
    expect(body.slots.length).toBeGreaterThan(0)
    for (const slot of body.slots) {
      const s = Date.parse(slot.start), e = Date.parse(slot.end)
      expect(e - s).toBe(30 * 60_000)
      // inside the Berlin weekly hours (never the UTC single window at 20:00–22:00)
      const berlin = new Date(s + offset("Europe/Berlin", s) * 60_000)
      const minute = berlin.getUTCHours() * 60 + berlin.getUTCMinutes()
      expect([1, 2, 3, 4, 5]).toContain(berlin.getUTCDay())
      expect((minute >= 540 && minute + 30 <= 720) || (minute >= 780 && minute + 30 <= 1020)).toBe(true)
      expect(slot.guest).toEqual({ tz: "America/New_York", start: expectedIn(s, "America/New_York"), end: expectedIn(e, "America/New_York") })
      expect(slot.host).toEqual({ tz: "Europe/Berlin", start: expectedIn(s, "Europe/Berlin"), end: expectedIn(e, "Europe/Berlin") })
      expect(Date.parse(slot.guest.start)).toBe(s)
      expect(Date.parse(slot.host.end)).toBe(e)
    }
  })

  it("match under an event type holds a listed length in its offers, answered in both zones", async () => {
    const { body, status } = await call("app.overlap.match", guest, {
      body: {
        hostDid: host.did, eventType: "intro",
        constraints: { durationMin: 30, durationMax: 30, tz: "Asia/Tokyo", earliest: iso(DAY0), latest: iso(DAY0 + 7 * DAY) }
      }
    })
    expect(status).toBe(200)
    const slot = body.result.slot
    expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(30 * 60_000)
    expect(slot.guest.tz).toBe("Asia/Tokyo")
    expect(slot.guest.start).toBe(expectedIn(Date.parse(slot.start), "Asia/Tokyo"))
    expect(slot.host.start).toBe(expectedIn(Date.parse(slot.start), "Europe/Berlin"))
  })

  it("answers 400 naming the field for an unknown, malformed or foreign event type, or a length it does not offer", async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ eventType: "nope" }, "InvalidEventType", "eventType:"],
      [{ eventType: "Not A Slug" }, "InvalidEventType", "eventType:"],
      [{ eventType: `at://${other.did}/app.overlap.eventType/intro` }, "InvalidEventType", "eventType:"],
      [{ eventType: "default" }, "InvalidEventType", "eventType:"], // this host has event types: no default
      [{ eventType: "intro", durationMin: "45" }, "InvalidEventType", "durationMin:"],
      [{ eventType: "inner-circle", durationMin: "60", durationMax: "90" }, "InvalidEventType", "durationMax:"]
    ]
    for (const [params, error, field] of cases) {
      const { body, status } = await availability(guest, params)
      expect([status, body.error], JSON.stringify(params)).toEqual([400, error])
      expect(body.message.startsWith(field), body.message).toBe(true)
    }
    const matched = await call("app.overlap.match", guest, {
      body: { hostDid: host.did, eventType: "intro", constraints: { durationMin: 45, durationMax: 45, tz: "UTC" } }
    })
    expect([matched.status, matched.body.error]).toEqual([400, "InvalidEventType"])
    expect(matched.body.message).toMatch(/^constraints\.durationMin:/)
    const offers = await call("app.overlap.getOffers", guest, { params: { host: host.did, eventType: "nope" } })
    expect([offers.status, offers.body.error]).toEqual([400, "InvalidEventType"])
  })

  it("an event type's tier is kept: a stranger may not book the mutual-only event type", async () => {
    const { body, status } = await availability(stranger, { eventType: "inner-circle", durationMin: "60" })
    expect([status, body.error]).toEqual([403, "TierNotMet"])
  })
})

describe("a host with no event types", () => {
  beforeEach(async () => start(false))

  it("has the default event type, bookable in the default lengths", async () => {
    const listed = await call("app.overlap.getEventTypes", guest, { params: { host: host.did } })
    expect(listed.body.eventTypes).toEqual([{ hostDid: host.did, slug: "default", name: "Meeting", durations: [15, 30, 45, 60, 90], policy: "anyone" }])
    const ok = await availability(guest, { eventType: "default" })
    expect(ok.status).toBe(200)
    expect(ok.body.slots.length).toBeGreaterThan(0)
    const unknown = await availability(guest, { eventType: "intro" })
    expect([unknown.status, unknown.body.error]).toEqual([400, "InvalidEventType"])
  })

  it("without eventType, slots still carry both zones (the host's is its offers' zone)", async () => {
    const { body } = await availability(guest, { tz: "UTC" })
    expect(body.slots.length).toBeGreaterThan(0)
    for (const slot of body.slots) expect(slot.guest.start).toBe(expectedIn(Date.parse(slot.start), "UTC").replace("+00:00", "Z"))
  })
})
