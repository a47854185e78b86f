import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Option, Ref } from "effect"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import type { MatchRequestTask } from "../../src/domain/calendar/calendarTask"
import { handleMatchRequest } from "../../src/features/matching/matchRequestTask"
import { AnalyticsRecording, AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeSocialGraphTest } from "../../src/adapters/memory/SocialGraphTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { BookingRequestsRepo } from "../../src/services/BookingRequestsRepo"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { EventTypesRepo } from "../../src/services/EventTypesRepo"
import { HoldStore } from "../../src/services/HoldStore"
import { OffersRepo, type OfferPolicy } from "../../src/services/OffersRepo"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"

// app.overlap.getOffers / getAvailability / match / getMatchStatus over Test layers: the real HttpApi,
// service-auth, rate limiter arithmetic, idempotency wrapper and hold engine (HoldStoreInProcess), with the
// calendars and the social graph faked.

const HOUR = 3_600_000
const MIN = 60_000
/** Midnight UTC, at least three days from now: every offer window lies ahead of the minimum notice. */
const DAY0 = Math.ceil((Date.now() + 3 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR
const day = (n: number) => DAY0 + n * 24 * HOUR
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, mutual: TestAccount, connected: TestAccount, follower: TestAccount, stranger: TestAccount, blocked: TestAccount, blocker: TestAccount
const accounts = () => [host, mutual, connected, follower, stranger, blocked, blocker]

const tierDay: Record<OfferPolicy, number> = { mutual: 0, connected: 1, follower: 2, anyone: 3 }
const offerUri = (tier: OfferPolicy) => `at://${host.did}/app.overlap.slotOffer/${tier}`

interface World {
  readonly xrpc: XrpcHandler
  readonly calendars: CalendarProviderTestControl
  readonly run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>
  readonly logs: Array<string>
  readonly dispose: () => Promise<void>
}

const makeWorld = async (limits: Parameters<typeof makeRateLimiterTest>[0] = {}): Promise<World> => {
  const calendars = new CalendarProviderTestControl()
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(calendars)
  const graph = makeSocialGraphTest({
    follows: [[host.did, mutual.did], [mutual.did, host.did], [host.did, connected.did], [follower.did, host.did],
      [host.did, blocked.did], [blocked.did, host.did], [host.did, blocker.did], [blocker.did, host.did]],
    blocks: [[host.did, blocked.did], [blocker.did, host.did]]
  })
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor(accounts())(repositories),
    makeRateLimiterTest(limits),
    TurnstileTest,
    graph,
    calendar,
    HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories))),
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  const logs: Array<string> = []
  const capture = Logger.make(({ annotations, cause, logLevel, message }) => {
    logs.push(JSON.stringify({ level: logLevel.label, message, annotations: [...annotations], cause: String(cause) }))
  })
  // Every level, so that a debug line carrying a busy instant would be caught too.
  const logging = Layer.merge(Logger.replace(Logger.defaultLogger, capture), Logger.minimumLogLevel(LogLevel.All))
  const xrpc = makeXrpcHandler(withXrpcTestServices(Layer.merge(Layer.succeedContext(context.context), logging)))
  const run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect.pipe(Effect.provide(logging)) as Effect.Effect<A, E, never>)
  // One 09:00–17:00 UTC window per tier, on its own day.
  await run(Effect.gen(function*() {
    const offers = yield* OffersRepo
    for (const tier of Object.keys(tierDay) as Array<OfferPolicy>) {
      yield* offers.upsert({
        uri: offerUri(tier), did: host.did, rkey: tier, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        rev: "3l000000000002", startAt: day(tierDay[tier]) + 9 * HOUR, endAt: day(tierDay[tier]) + 17 * HOUR,
        policy: tier, tz: "UTC", note: null, createdAt: Date.now()
      })
    }
  }))
  return { xrpc, calendars, run, logs, dispose: async () => { await xrpc.dispose(); await runtime.dispose() } }
}

const base = "http://appview.test/xrpc/"
const call = async (
  world: World,
  nsid: string,
  as: TestAccount,
  init: { params?: Record<string, string | Array<string>>; body?: unknown; key?: string } = {}
) => {
  const url = new URL(`${base}${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) for (const one of [v].flat()) url.searchParams.append(k, one)
  const headers: Record<string, string> = { authorization: `Bearer ${await as.token(nsid)}` }
  if (init.key) headers["idempotency-key"] = init.key
  if (init.body !== undefined) headers["content-type"] = "application/json"
  const response = await world.xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, any> }
}

const matchBody = (tier: OfferPolicy, extra: Record<string, unknown> = {}) => ({
  hostDid: host.did,
  offerUri: offerUri(tier),
  constraints: { durationMin: 30, durationMax: 30, tz: "UTC", earliest: iso(day(tierDay[tier])), latest: iso(day(tierDay[tier] + 1)) },
  ...extra
})
let keySeq = 0
const freshKey = () => `test-key-${Date.now()}-${++keySeq}-abcdef`

beforeEach(async () => {
  ;[host, mutual, connected, follower, stranger, blocked, blocker] = await Promise.all(
    ["host", "mutual", "connected", "follower", "stranger", "blocked", "blocker"].map((n) => makeAccount(`m${n}`))
  )
})

describe("getOffers: tier visibility", () => {
  let world: World
  beforeEach(async () => (world = await makeWorld()))
  afterEach(async () => world.dispose())

  const tiersSeenBy = async (who: TestAccount) => {
    const { body, status } = await call(world, "app.overlap.getOffers", who, { params: { host: host.did } })
    expect(status).toBe(200)
    return (body.offers as Array<{ policy: string }>).map((o) => o.policy).sort()
  }

  it("shows each caller exactly the offers whose tier they meet; the host sees all; a block either way shows none", async () => {
    expect(await tiersSeenBy(host)).toEqual(["anyone", "connected", "follower", "mutual"])
    expect(await tiersSeenBy(mutual)).toEqual(["anyone", "connected", "follower", "mutual"])
    expect(await tiersSeenBy(connected)).toEqual(["anyone", "connected"])
    expect(await tiersSeenBy(follower)).toEqual(["anyone", "follower"])
    expect(await tiersSeenBy(stranger)).toEqual(["anyone"])
    expect(await tiersSeenBy(blocked)).toEqual([]) // host blocks them (they follow each other)
    expect(await tiersSeenBy(blocker)).toEqual([]) // they block the host
  })

  it("paginates over visible offers only, with a cursor that resumes after the last one shown", async () => {
    const first = await call(world, "app.overlap.getOffers", follower, { params: { host: host.did, limit: "1" } })
    expect(first.body.offers.map((o: any) => o.policy)).toEqual(["follower"])
    expect(typeof first.body.cursor).toBe("string")
    const second = await call(world, "app.overlap.getOffers", follower, { params: { host: host.did, limit: "1", cursor: first.body.cursor } })
    expect(second.body.offers.map((o: any) => o.policy)).toEqual(["anyone"])
    expect(second.body.cursor).toBeUndefined()
    const bad = await call(world, "app.overlap.getOffers", follower, { params: { host: host.did, cursor: "nope" } })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe("InvalidCursor")
  })
})

describe("match, getMatchStatus, getAvailability", () => {
  let world: World
  beforeEach(async () => (world = await makeWorld()))
  afterEach(async () => world.dispose())

  it("holds a slot on the grid and reports it through getMatchStatus-free answers; records analytics", async () => {
    const res = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual"), key: freshKey() })
    expect(res.status).toBe(200)
    expect(res.body.result.$type).toBe("app.overlap.defs#hold")
    const start = Date.parse(res.body.result.slot.start)
    expect(start).toBe(day(0) + 9 * HOUR)
    expect(Date.parse(res.body.result.slot.end) - start).toBe(30 * MIN)
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
    expect(world.calendars.holdsOf(mutual.did)).toHaveLength(1)
    const booking = await world.run(Effect.flatMap(BookingsRepo, (r) => r.get(res.body.result.bookingId)))
    expect(booking.status).toBe("held")
    const points = await world.run(Effect.flatMap(AnalyticsRecording, Ref.get))
    expect(points.map((p) => p.point.blobs.slice(0, 2))).toEqual([["time_to_match", "held"], ["hold_result", "success"]])
  })

  it("refuses a tier the caller does not meet (403 TierNotMet), an unknown offer (404) and a host with no offers (404)", async () => {
    const tier = await call(world, "app.overlap.match", stranger, { body: matchBody("mutual"), key: freshKey() })
    expect(tier.status).toBe(403)
    expect(tier.body.error).toBe("TierNotMet")
    const blockedTry = await call(world, "app.overlap.match", blocked, { body: matchBody("anyone"), key: freshKey() })
    expect(blockedTry.body.error).toBe("TierNotMet")
    const offer = await call(world, "app.overlap.match", mutual, {
      body: matchBody("mutual", { offerUri: `at://${host.did}/app.overlap.slotOffer/gone` }), key: freshKey()
    })
    expect([offer.status, offer.body.error]).toEqual([404, "OfferNotFound"])
    const noHost = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual", { hostDid: stranger.did, offerUri: undefined }), key: freshKey() })
    expect([noHost.status, noHost.body.error]).toEqual([404, "HostNotFound"])
    expect(world.calendars.calls).toHaveLength(0) // no calendar asked for a refused match
  })

  it("answers 202 with a token when a provider is rate-limited, and getMatchStatus follows it to the hold", async () => {
    world.calendars.configure(host.did, { failBusy: "rate-limited", retryAfterMs: 5_000 })
    const asked = matchBody("mutual")
    const res = await call(world, "app.overlap.match", mutual, { body: { ...asked, constraints: { ...asked.constraints, tz: "Asia/Kolkata" } }, key: freshKey() })
    expect(res.status).toBe(202)
    expect(res.body.result.$type).toBe("app.overlap.defs#pendingMatch")
    const token = res.body.result.token as string
    const pending = await call(world, "app.overlap.getMatchStatus", mutual, { params: { token } })
    expect(pending.body).toMatchObject({ status: "pending" })
    const other = await call(world, "app.overlap.getMatchStatus", stranger, { params: { token } })
    expect([other.status, other.body.error]).toEqual([403, "NotParticipant"])
    world.calendars.configure(host.did, {})
    await world.run(Effect.flatMap(HoldStore, (h) => h.resumeMatch(token))) // what the calendar-tasks consumer does
    const held = await call(world, "app.overlap.getMatchStatus", mutual, { params: { token } })
    expect(held.status).toBe(200)
    expect(held.body.status).toBe("held")
    expect(Date.parse(held.body.hold.slot.start) % (15 * MIN)).toBe(0)
    // the held slot on the guest's clock (the zone the match was asked in) and the host's (issue 15 item 6)
    const inKolkata = (t: string) => `${new Date(Date.parse(t) + 330 * MIN).toISOString().slice(0, 19)}+05:30`
    expect(held.body.hold.slot.guest).toEqual({ tz: "Asia/Kolkata", start: inKolkata(held.body.hold.slot.start), end: inKolkata(held.body.hold.slot.end) })
    expect(held.body.hold.slot.host).toEqual({ tz: "UTC", start: held.body.hold.slot.start.replace(".000Z", "Z"), end: held.body.hold.slot.end.replace(".000Z", "Z") })
    const unknown = await call(world, "app.overlap.getMatchStatus", mutual, { params: { token: "x.y" } })
    expect([unknown.status, unknown.body.error]).toEqual([404, "MatchNotFound"])
  })

  it("maps refusals from the hold store: no slot 409, calendar down 503", async () => {
    world.calendars.setBusy(host.did, [{ start: day(0), end: day(1) }])
    const none = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual"), key: freshKey() })
    expect([none.status, none.body.error]).toEqual([409, "NoSlotAvailable"])
    world.calendars.configure(mutual.did, { failBusy: "unavailable" })
    const down = await call(world, "app.overlap.match", mutual, { body: matchBody("anyone"), key: freshKey() })
    expect([down.status, down.body.error]).toEqual([503, "CalendarUnavailable"])
    expect(down.body.message).toContain("guest")
  })

  it("replays a match with the same key and body, refuses the same key with another body (422), requires a key", async () => {
    const key = freshKey()
    const first = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual"), key })
    expect(first.status).toBe(200)
    const again = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual"), key })
    expect(again.status).toBe(200)
    expect(again.text).toBe(first.text)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
    const changed = await call(world, "app.overlap.match", mutual, { body: matchBody("anyone"), key })
    expect([changed.status, changed.body.error]).toEqual([422, "IdempotencyKeyReused"])
    const keyless = await call(world, "app.overlap.match", mutual, { body: matchBody("mutual") })
    expect(keyless.status).toBe(400)
    expect(keyless.body.message.toLowerCase()).toContain("idempotency-key")
  })

  it("answers bad input with 400 naming the field, before any calendar is asked", async () => {
    const inverted = await call(world, "app.overlap.match", mutual, {
      body: matchBody("mutual", { constraints: { durationMin: 60, durationMax: 30, tz: "UTC" } }), key: freshKey()
    })
    expect([inverted.status, inverted.body.error]).toEqual([400, "InvalidConstraints"])
    expect(inverted.body.message).toMatch(/^constraints\.durationMax: /)
    const zone = await call(world, "app.overlap.match", mutual, {
      body: matchBody("mutual", { constraints: { durationMin: 30, durationMax: 30, tz: "Mars/Olympus" } }), key: freshKey()
    })
    expect(zone.body.message).toMatch(/^constraints\.tz: /)
    const decode = await call(world, "app.overlap.match", mutual, {
      body: matchBody("mutual", { constraints: { durationMin: 2, durationMax: 30, tz: "UTC" } }), key: freshKey()
    })
    expect([decode.status, decode.body.error]).toEqual([400, "InvalidRequest"])
    expect(decode.body.message).toMatch(/constraints.*durationMin/)
    const avail = await call(world, "app.overlap.getAvailability", mutual, {
      params: { host: host.did, durationMin: "30", earliest: iso(day(1)), latest: iso(day(0)), tz: "UTC" }
    })
    expect([avail.status, avail.body.error]).toEqual([400, "InvalidConstraints"])
    expect(avail.body.message).toMatch(/^latest: /)
    expect(world.calendars.calls).toHaveLength(0)
  })

  it("getAvailability: a few grid-snapped candidates, tier-checked", async () => {
    const res = await call(world, "app.overlap.getAvailability", follower, {
      params: { host: host.did, offer: offerUri("follower"), durationMin: "45", earliest: iso(day(2)), latest: iso(day(3)), tz: "UTC" }
    })
    expect(res.status).toBe(200)
    expect(res.body.slots.length).toBeGreaterThan(0)
    expect(res.body.slots.length).toBeLessThanOrEqual(5)
    for (const slot of res.body.slots) {
      expect(Date.parse(slot.start) % (15 * MIN)).toBe(0)
      expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(45 * MIN)
    }
    const refused = await call(world, "app.overlap.getAvailability", follower, {
      params: { host: host.did, offer: offerUri("mutual"), durationMin: "45", earliest: iso(day(0)), latest: iso(day(1)), tz: "UTC" }
    })
    expect([refused.status, refused.body.error]).toEqual([403, "TierNotMet"])
  })
})

describe("rate limits", () => {
  it("refuses getAvailability past the limit with 429 and Retry-After", async () => {
    const world = await makeWorld({ availability: { capacity: 2, refillPerSecond: 1 / 600 } })
    try {
      const params = { host: host.did, durationMin: "30", earliest: iso(day(3)), latest: iso(day(4)), tz: "UTC" }
      expect((await call(world, "app.overlap.getAvailability", stranger, { params })).status).toBe(200)
      expect((await call(world, "app.overlap.getAvailability", stranger, { params })).status).toBe(200)
      const third = await call(world, "app.overlap.getAvailability", stranger, { params })
      expect([third.status, third.body.error]).toEqual([429, "RateLimited"])
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0)
      // another caller has their own bucket
      expect((await call(world, "app.overlap.getAvailability", follower, { params })).status).toBe(200)
    } finally {
      await world.dispose()
    }
  })
})

describe("match-request task (an indexed bookingRequest)", () => {
  let world: World
  beforeEach(async () => (world = await makeWorld()))
  afterEach(async () => world.dispose())

  const seedRequest = (guest: TestAccount, tier: OfferPolicy) =>
    world.run(Effect.gen(function*() {
      const uri = `at://${guest.did}/app.overlap.bookingRequest/${tier}`
      yield* Effect.flatMap(BookingRequestsRepo, (r) => r.upsert({
        uri, guestDid: guest.did, hostDid: host.did, rkey: tier, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        rev: "3l000000000003", offerUri: offerUri(tier), constraints: matchBody(tier).constraints,
        status: "pending", note: null, createdAt: Date.now()
      }))
      return uri
    }))
  const deliver = async (uri: string) => {
    const message = { id: "m1", attempts: 1, body: { kind: "match-request", requestUri: uri }, ack: vi.fn(), retry: vi.fn() }
    await world.run(handleMatchRequest(message as unknown as Message<MatchRequestTask>, () => 10))
    return message
  }
  const statusOf = (uri: string) =>
    world.run(Effect.map(Effect.flatMap(BookingRequestsRepo, (r) => r.get(uri)), Option.map((r) => r.status)))

  it("holds and marks the request held; a redelivery changes nothing", async () => {
    const uri = await seedRequest(mutual, "mutual")
    const message = await deliver(uri)
    expect(message.ack).toHaveBeenCalledOnce()
    expect(await statusOf(uri)).toEqual(Option.some("held"))
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
    const again = await deliver(uri)
    expect(again.ack).toHaveBeenCalledOnce()
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
  })

  it("declines a request whose tier the guest does not meet, without asking any calendar", async () => {
    const uri = await seedRequest(stranger, "mutual")
    const message = await deliver(uri)
    expect(message.ack).toHaveBeenCalledOnce()
    expect(await statusOf(uri)).toEqual(Option.some("declined"))
    expect(world.calendars.calls).toHaveLength(0)
  })

  it("retries while the match is pending", async () => {
    world.calendars.configure(host.did, { failBusy: "rate-limited" })
    const uri = await seedRequest(mutual, "mutual")
    const message = await deliver(uri)
    expect(message.retry).toHaveBeenCalledOnce()
    expect(await statusOf(uri)).toEqual(Option.some("pending"))
  })

  // Issue 12, item 1: records are no way around the per-guest limits.
  const reasonOf = (uri: string) =>
    world.run(Effect.map(Effect.flatMap(BookingRequestsRepo, (r) => r.get(uri)), Option.map((r) => [r.status, r.statusReason])))
  const seedNamed = (guest: TestAccount, tier: OfferPolicy, rkey: string) =>
    world.run(Effect.gen(function*() {
      const uri = `at://${guest.did}/app.overlap.bookingRequest/${rkey}`
      yield* Effect.flatMap(BookingRequestsRepo, (r) => r.upsert({
        uri, guestDid: guest.did, hostDid: host.did, rkey, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
        rev: "3l000000000003", offerUri: offerUri(tier), constraints: matchBody(tier).constraints,
        status: "pending", note: null, createdAt: Date.now()
      }))
      return uri
    }))

  it("a second record of a guest who holds a time with this host is declined with TooManyHolds; another guest is not", async () => {
    const first = await seedNamed(stranger, "anyone", "r1")
    await deliver(first)
    expect(await reasonOf(first)).toEqual(Option.some(["held", null]))
    const second = await seedNamed(stranger, "anyone", "r2")
    const message = await deliver(second)
    expect(message.ack).toHaveBeenCalledOnce()
    expect(await reasonOf(second)).toEqual(Option.some(["declined", "TooManyHolds"]))
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
    // the XRPC match of the same guest meets the same limit: 409 TooManyHolds
    const xrpc = await call(world, "app.overlap.match", stranger, { body: matchBody("anyone"), key: freshKey() })
    expect([xrpc.status, xrpc.body.error]).toEqual([409, "TooManyHolds"])
    // another guest's record is held
    const other = await seedNamed(follower, "anyone", "r1")
    await deliver(other)
    expect(await reasonOf(other)).toEqual(Option.some(["held", null]))
  })

  // Issue 15: a record may name the host's event type, as app.overlap.match does (lengths, offers, location).
  it("a record naming an event type books it: its length and location on the booking; an unknown one or a length it does not allow is declined", async () => {
    await world.run(Effect.flatMap(EventTypesRepo, (repo) => repo.upsert({
      uri: `at://${host.did}/app.overlap.eventType/intro`, did: host.did, rkey: "intro", cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
      rev: "3l000000000002", slug: "intro", name: "Intro", description: null, durations: [20], policy: "anyone",
      location: { $type: "app.overlap.defs#locationInPerson", address: "Hauptstraße 1, Berlin" }, offers: [offerUri("anyone")], createdAt: Date.now()
    })))
    const seedTyped = (guest: TestAccount, rkey: string, eventType: string, durationMin: number) =>
      world.run(Effect.gen(function*() {
        const uri = `at://${guest.did}/app.overlap.bookingRequest/${rkey}`
        const { constraints } = matchBody("anyone")
        yield* Effect.flatMap(BookingRequestsRepo, (r) => r.upsert({
          uri, guestDid: guest.did, hostDid: host.did, rkey, cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
          rev: "3l000000000003", offerUri: null, eventType, constraints: { ...constraints, durationMin, durationMax: durationMin },
          status: "pending", note: null, createdAt: Date.now()
        }))
        return uri
      }))
    const uri = await seedTyped(stranger, "t1", "intro", 20)
    expect((await deliver(uri)).ack).toHaveBeenCalledOnce()
    expect(await reasonOf(uri)).toEqual(Option.some(["held", null]))
    const page = await world.run(Effect.flatMap(BookingsRepo, (b) => b.listForDid({ did: stranger.did, role: "guest", limit: 10 })))
    expect(page.items).toHaveLength(1)
    const booking = page.items[0]!
    expect(booking.endAt - booking.startAt).toBe(20 * MIN)
    expect(booking.location).toEqual({ $type: "app.overlap.defs#locationInPerson", address: "Hauptstraße 1, Berlin" })

    const unknown = await seedTyped(follower, "t2", "no-such-type", 20)
    await deliver(unknown)
    expect(await reasonOf(unknown)).toEqual(Option.some(["declined", "InvalidEventType"]))
    const wrongLength = await seedTyped(follower, "t3", "intro", 30)
    await deliver(wrongLength)
    expect(await reasonOf(wrongLength)).toEqual(Option.some(["declined", "InvalidEventType"]))
    expect(world.calendars.holdsOf(host.did)).toHaveLength(1)
  })

  it("a record past the guest's match budget (the XRPC match's bucket) is declined with RateLimited, before any calendar", async () => {
    await world.dispose()
    world = await makeWorld({ match: { capacity: 1, refillPerSecond: 1 / 600 } })
    // the guest spends the one token through XRPC (a refused match still costs it)
    world.calendars.setBusy(host.did, [{ start: day(3), end: day(4) }])
    const spent = await call(world, "app.overlap.match", stranger, { body: matchBody("anyone"), key: freshKey() })
    expect(spent.body.error).toBe("NoSlotAvailable")
    world.calendars.setBusy(host.did, [])
    const calls = world.calendars.calls.length
    const uri = await seedNamed(stranger, "anyone", "r1")
    const message = await deliver(uri)
    expect(message.ack).toHaveBeenCalledOnce()
    expect(await reasonOf(uri)).toEqual(Option.some(["declined", "RateLimited"]))
    expect(world.calendars.calls.length).toBe(calls)
    // another guest has a bucket of their own
    const other = await seedNamed(follower, "anyone", "r1")
    await deliver(other)
    expect(await reasonOf(other)).toEqual(Option.some(["held", null]))
  })
})

describe("privacy: no busy interval leaves the match", () => {
  it("never returns, stores or logs a provider busy instant", async () => {
    const world = await makeWorld()
    const console_: Array<string> = []
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: Array<unknown>) => void console_.push(args.map(String).join(" ")))
    )
    try {
      const d = day(3)
      // Distinctive instants: :07 / :53 starts with odd lengths, on the day of the `anyone` offer.
      const hostBusy = [
        { start: d + 9 * HOUR + 7 * MIN, end: d + 10 * HOUR + 53 * MIN + 17_000 },
        { start: d + 13 * HOUR + 53 * MIN, end: d + 14 * HOUR + 31 * MIN }
      ]
      const guestBusy = [
        { start: d + 11 * HOUR + 7 * MIN + 41_000, end: d + 12 * HOUR + 29 * MIN },
        { start: d + 15 * HOUR + 53 * MIN, end: d + 16 * HOUR + 7 * MIN }
      ]
      world.calendars.setBusy(host.did, hostBusy).setBusy(stranger.did, guestBusy)
      const instants = [...hostBusy, ...guestBusy].flatMap((i) => [i.start, i.end])
      const needles = instants.flatMap((t) => {
        const s = iso(t)
        return [String(t), String(Math.floor(t / 1000)), s, s.slice(0, 16), s.slice(0, 19), s.replace(/\.\d{3}Z$/, "Z")]
      })

      const bodies: Array<string> = []
      const params = { host: host.did, durationMin: "30", durationMax: "60", earliest: iso(d), latest: iso(d + 24 * HOUR), tz: "UTC" }
      const avail = await call(world, "app.overlap.getAvailability", stranger, { params })
      expect(avail.status).toBe(200)
      expect(avail.body.slots.length).toBeGreaterThan(0)
      bodies.push(avail.text)
      const key = freshKey()
      const matched = await call(world, "app.overlap.match", stranger, { body: matchBody("anyone"), key })
      expect(matched.status).toBe(200)
      bodies.push(matched.text)
      bodies.push((await call(world, "app.overlap.match", stranger, { body: matchBody("anyone"), key })).text) // the stored replay
      // a pending match too (another guest's: the stranger already holds a time with this host), then its status
      world.calendars.configure(host.did, { failBusy: "rate-limited" })
      const pending = await call(world, "app.overlap.match", follower, { body: matchBody("anyone", { note: "again" }), key: freshKey() })
      expect(pending.status).toBe(202)
      bodies.push(pending.text)
      world.calendars.configure(host.did, {})
      await world.run(Effect.flatMap(HoldStore, (h) => h.resumeMatch(pending.body.result.token)))
      bodies.push((await call(world, "app.overlap.getMatchStatus", follower, { params: { token: pending.body.result.token } })).text)
      bodies.push((await call(world, "app.overlap.getOffers", stranger, { params: { host: host.did } })).text)

      // The hold itself avoids the busy time and sits on the grid.
      const held = Date.parse(matched.body.result.slot.start)
      expect(held % (15 * MIN)).toBe(0)

      // Every store the test can reach: bookings (both sides), booking requests, analytics points.
      const stores = await world.run(Effect.gen(function*() {
        const bookings = yield* BookingsRepo
        const out: Array<unknown> = []
        for (const did of [host.did, stranger.did]) out.push(yield* bookings.listForDid({ did, role: "either", limit: 100 }))
        const requests = yield* BookingRequestsRepo
        out.push(yield* requests.listByHost({ did: host.did, limit: 100 }))
        out.push(yield* Ref.get(yield* AnalyticsRecording))
        return out
      }))
      const haystacks = { bodies: bodies.join("\n"), stores: JSON.stringify(stores), logs: world.logs.join("\n"), console: console_.join("\n") }
      for (const [where, text] of Object.entries(haystacks)) {
        for (const needle of needles) expect(text.includes(needle), `${where} contains ${needle}`).toBe(false)
      }
      // the scan can fail: the hold's own instant is in the bodies
      expect(haystacks.bodies.includes(iso(held))).toBe(true)
    } finally {
      spies.forEach((s) => s.mockRestore())
      await world.dispose()
    }
  })
})
