import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { makeAuditLogTest } from "../../src/adapters/memory/AuditLogTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { BookingLifecycleInProcess } from "../../src/features/bookings/BookingLifecycleInProcess"
import { GUEST_RESCHEDULE_REFUSED, ONLY_THE_HOST_ANSWERS_PROPOSALS } from "../../src/features/bookings/rescheduleTerms"
import { IcsStoreTest } from "../../src/adapters/memory/IcsStoreTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { DEFAULT_HOST_RULES, type HostBookingRules } from "../../src/domain/matching/hostRules"
import { noRelationship } from "../../src/domain/policy"
import { BookingsRepo } from "../../src/services/BookingsRepo"
import { HostSettingsRepo } from "../../src/services/HostSettingsRepo"
import { Held, HoldStore } from "../../src/services/HoldStore"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { DAY, matchRequest, MIN, mondayAfter } from "../holds/fixtures"

// Issue 12 item 2: a reschedule lands only where a new match could (the host's offer windows, notice, grid and
// buffers, the guest's tier as it is now), a guest moves a meeting only if the host's rules allow it, and every
// refusal of a time reads the same whether the time was busy or outside the rules (item 4). Through the front
// door: XRPC → the real lifecycle engine (BookingLifecycleInProcess) → the hold engine (HoldStoreInProcess).

const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const at = (dayOffset: number, hour: number, minute = 0) => monday + dayOffset * DAY + hour * HOUR + minute * MIN
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, guest: TestAccount
/** The host's rules, saved as the host's settings before each call; each test sets what it needs. */
let rules: HostBookingRules
/** Whom the host blocks now (the graph is read per request, so a block takes effect at once). */
const blocked = new Set<string>()

interface World {
  readonly xrpc: XrpcHandler
  readonly calendars: CalendarProviderTestControl
  readonly run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>
  readonly dispose: () => Promise<void>
}

const makeWorld = async (): Promise<World> => {
  const calendars = new CalendarProviderTestControl()
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(calendars)
  const graph = Layer.succeed(SocialGraph, SocialGraph.of({
    relationship: (_actor, other) =>
      Effect.succeed({ ...noRelationship, following: true, followedBy: true, blocking: blocked.has(other) })
  }))
  const holds = HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories)))
  const { outbox, pds, audit } = await Effect.runPromise(Effect.all({
    outbox: makeNotifyOutboxTest,
    pds: makePdsWriterTest,
    audit: makeAuditLogTest
  }))
  const lifecycle = BookingLifecycleInProcess.pipe(
    Layer.provide(Layer.mergeAll(holds, IcsStoreTest, outbox.layer, pds.layer, audit.layer, repositories).pipe(
      Layer.provide(Layer.merge(repositories, WebhookSubscriptionsRepoTest))
    ))
  )
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([host, guest])(repositories),
    makeRateLimiterTest({}),
    TurnstileTest,
    graph,
    calendar,
    holds,
    lifecycle,
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  const runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  const xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)) as any)
  const run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)
  // The host offers Mon–Fri 08:00–18:00 UTC, for two weeks, to anyone.
  await run(Effect.gen(function*() {
    const offers = yield* OffersRepo
    for (const d of [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]) {
      yield* offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
        startAt: at(d, 8), endAt: at(d, 18), policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
      })
    }
  }))
  return { xrpc, calendars, run, dispose: async () => { await xrpc.dispose(); await runtime.dispose() } }
}

let keys = 0
const call = async (world: World, as: TestAccount, method: string, body: Record<string, unknown>) => {
  const nsid = `app.overlap.${method}`
  await world.run(Effect.flatMap(HostSettingsRepo, (repo) => repo.put(host.did, { rules })))
  const response = await world.xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await as.token(nsid)}`,
      "content-type": "application/json",
      "idempotency-key": `resched-${Date.now()}-${++keys}-abcdef`
    },
    body: JSON.stringify(body)
  }))
  const text = await response.text()
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> }
}

const moveTo = (world: World, as: TestAccount, bookingId: string, start: number, minutes = 30) =>
  call(world, as, "reschedule", { bookingId, slot: { start: iso(start), end: iso(start + minutes * MIN) } })

/** A meeting held by the real match path on Monday (09:00 on an empty calendar), confirmed by the host over XRPC. */
const confirmed = async (world: World, bookingId: string) => {
  const held = await world.run(Effect.flatMap(HoldStore, (store) =>
    store.match(matchRequest({ hostDid: host.did, guestDid: guest.did, bookingId, earliest: at(0, 9), latest: at(0, 12), bufferMin: 0 }))))
  expect(held).toBeInstanceOf(Held)
  expect(await call(world, host, "finalize", { bookingId })).toMatchObject({ status: 200, body: { booking: { status: "confirmed" } } })
  return world.run(Effect.flatMap(BookingsRepo, (r) => r.get(bookingId)))
}

const rowOf = (world: World, id: string) =>
  world.run(Effect.map(Effect.flatMap(BookingsRepo, (r) => r.get(id)), (b) => ({ status: b.status, startAt: b.startAt, endAt: b.endAt })))

beforeAll(async () => {
  ;[host, guest] = await Promise.all([makeAccount("rrhost"), makeAccount("rrguest")])
})

describe("reschedule lands only where a new match could (issue 12 item 2)", () => {
  let world: World
  beforeEach(async () => {
    rules = { ...DEFAULT_HOST_RULES, guestsMayReschedule: true }
    blocked.clear()
    world = await makeWorld()
  })
  afterEach(async () => world.dispose())

  it("the guest cannot move a meeting to Sunday 03:00 when the host offers Mon–Fri 08–18 (409, nothing moves)", async () => {
    const before = await confirmed(world, "rr-sunday")
    const sunday = await moveTo(world, guest, "rr-sunday", at(6, 3))
    expect(sunday).toMatchObject({ status: 409, body: { error: "NoSlotAvailable", message: GUEST_RESCHEDULE_REFUSED } })
    expect(await rowOf(world, "rr-sunday")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    expect(world.calendars.holdsOf(host.did).map((h) => h.request.start)).toEqual([before.startAt])
  })

  it("an offered, on-grid time with enough notice moves (control)", async () => {
    await confirmed(world, "rr-ok")
    const moved = await moveTo(world, guest, "rr-ok", at(1, 10, 15))
    expect(moved).toMatchObject({ status: 200, body: { booking: { status: "rescheduled", slot: { start: iso(at(1, 10, 15)) } } } })
    expect(await rowOf(world, "rr-ok")).toEqual({ status: "rescheduled", startAt: at(1, 10, 15), endAt: at(1, 10, 45) })
  })

  it("refuses a start off the host's 15-minute grid", async () => {
    const before = await confirmed(world, "rr-grid")
    const offGrid = await moveTo(world, guest, "rr-grid", at(1, 10, 5))
    expect(offGrid).toMatchObject({ status: 409, body: { error: "NoSlotAvailable", message: GUEST_RESCHEDULE_REFUSED } })
    expect((await rowOf(world, "rr-grid")).startAt).toBe(before.startAt)
  })

  it("refuses a time inside the host's minimum notice", async () => {
    const before = await confirmed(world, "rr-notice")
    rules = { ...rules, minimumNoticeMin: 30 * 1_440 } // 30 days: next Tuesday is too soon
    const tooSoon = await moveTo(world, guest, "rr-notice", at(1, 10))
    expect(tooSoon).toMatchObject({ status: 409, body: { error: "NoSlotAvailable", message: GUEST_RESCHEDULE_REFUSED } })
    expect((await rowOf(world, "rr-notice")).startAt).toBe(before.startAt)
  })

  it("refuses a time that leaves the host less than their buffer after another meeting", async () => {
    const before = await confirmed(world, "rr-buffer")
    rules = { ...rules, bufferBeforeMin: 15 }
    world.calendars.setBusy(host.did, [{ start: at(1, 9), end: at(1, 10) }])
    expect((await moveTo(world, guest, "rr-buffer", at(1, 10))).status).toBe(409)
    expect((await rowOf(world, "rr-buffer")).startAt).toBe(before.startAt)
    expect((await moveTo(world, guest, "rr-buffer", at(1, 10, 15))).status).toBe(200)
  })

  it("refuses a guest the host has blocked since the booking (403 TierNotMet, nothing moves)", async () => {
    const before = await confirmed(world, "rr-blocked")
    blocked.add(guest.did)
    const refused = await moveTo(world, guest, "rr-blocked", at(1, 10))
    expect(refused).toMatchObject({ status: 403, body: { error: "TierNotMet" } })
    expect(await rowOf(world, "rr-blocked")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
  })

  it("by default (guestsMayReschedule false) a guest's time is a proposal: the meeting stays; the host can still move it", async () => {
    rules = DEFAULT_HOST_RULES
    expect(DEFAULT_HOST_RULES.guestsMayReschedule).toBe(false)
    const before = await confirmed(world, "rr-default")
    const asked = await moveTo(world, guest, "rr-default", at(1, 10))
    expect(asked).toMatchObject({ status: 200, body: { proposed: true, booking: { status: "confirmed", slot: { start: iso(before.startAt) } } } })
    expect(await rowOf(world, "rr-default")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    // The host moves it: the host's own move is not bound by the host's offer (Sunday 03:00, off the grid),
    // and it drops the guest's proposal.
    const byHost = await moveTo(world, host, "rr-default", at(6, 3, 5))
    expect(byHost).toMatchObject({ status: 200, body: { booking: { status: "rescheduled" } } })
    expect(byHost.body.proposed).toBeUndefined()
    expect(byHost.body.booking.proposal).toBeUndefined()
    expect(await rowOf(world, "rr-default")).toEqual({ status: "rescheduled", startAt: at(6, 3, 5), endAt: at(6, 3, 35) })
  })

  it("a refusal of a busy time reads exactly like one of a time outside the rules: no busy edge to probe (item 4)", async () => {
    await confirmed(world, "rr-probe")
    // The host is busy Tuesday 11:00–11:07, a minute-exact edge inside the offer.
    world.calendars.setBusy(host.did, [{ start: at(1, 11), end: at(1, 11, 7) }])
    const busy = await moveTo(world, guest, "rr-probe", at(1, 11))
    const offRule = await moveTo(world, guest, "rr-probe", at(6, 3))
    const offGrid = await moveTo(world, guest, "rr-probe", at(1, 11, 7))
    const inNotice = await (async () => {
      rules = { ...rules, minimumNoticeMin: 30 * 1_440 }
      const r = await moveTo(world, guest, "rr-probe", at(1, 12))
      rules = { ...rules, minimumNoticeMin: DEFAULT_HOST_RULES.minimumNoticeMin }
      return r
    })()
    for (const refusal of [busy, offRule, offGrid, inNotice]) {
      expect(refusal.status).toBe(409)
      expect(refusal.text).toBe(busy.text)
    }
    expect(busy.text).not.toMatch(/\d{2}:\d{2}|\d{4}-\d{2}-\d{2}/)
  })
})

describe("a guest's reschedule is a proposal the host confirms unless the host lets guests move meetings (issue 12 item 2)", () => {
  let world: World
  beforeEach(async () => {
    rules = DEFAULT_HOST_RULES // guestsMayReschedule: false
    blocked.clear()
    world = await makeWorld()
  })
  afterEach(async () => world.dispose())

  const getBooking = async (as: TestAccount, id: string) => {
    const nsid = "app.overlap.getBooking"
    const response = await world.xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}?id=${id}`, {
      headers: { authorization: `Bearer ${await as.token(nsid)}` }
    }))
    expect(response.status).toBe(200)
    return ((await response.json()) as { booking: Record<string, any> }).booking
  }

  /** A confirmed meeting with the guest's proposal for Tuesday 10:00–10:30 stored. */
  const proposed = async (id: string) => {
    const before = await confirmed(world, id)
    const asked = await moveTo(world, guest, id, at(1, 10))
    expect(asked).toMatchObject({ status: 200, body: { proposed: true, booking: { status: "confirmed" } } })
    expect(await rowOf(world, id)).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    return before
  }

  it("the guest's proposal is stored and readable; the host confirms it and the meeting moves on both calendars", async () => {
    const before = await proposed("pp-confirm")
    const seen = await getBooking(guest, "pp-confirm")
    expect(seen.slot.start).toBe(iso(before.startAt))
    expect(seen.proposal).toMatchObject({ start: iso(at(1, 10)), end: iso(at(1, 10, 30)) })
    expect(Date.parse(seen.proposal.expiresAt)).toBeLessThanOrEqual(before.startAt)
    expect(Date.parse(seen.proposal.proposedAt)).toBeLessThanOrEqual(Date.now())
    expect(world.calendars.holdsOf(host.did).map((h) => h.request.start)).toEqual([before.startAt])

    const done = await call(world, host, "confirmReschedule", { bookingId: "pp-confirm" })
    expect(done).toMatchObject({ status: 200, body: { booking: { status: "rescheduled", slot: { start: iso(at(1, 10)) } } } })
    expect(done.body.booking.proposal).toBeUndefined()
    expect(await rowOf(world, "pp-confirm")).toEqual({ status: "rescheduled", startAt: at(1, 10), endAt: at(1, 10, 30) })
    expect(world.calendars.holdsOf(host.did).map((h) => h.request.start)).toEqual([at(1, 10)])
    expect((await getBooking(guest, "pp-confirm")).proposal).toBeUndefined()
    // nothing left to confirm
    expect(await call(world, host, "confirmReschedule", { bookingId: "pp-confirm" })).toMatchObject({ status: 409, body: { error: "InvalidTransition" } })
  })

  it("the host declines the proposal: the meeting keeps its time and the proposal is gone", async () => {
    const before = await proposed("pp-decline")
    const declined = await call(world, host, "declineReschedule", { bookingId: "pp-decline", reason: "that day is full" })
    expect(declined).toMatchObject({ status: 200, body: { booking: { status: "confirmed", slot: { start: iso(before.startAt) } } } })
    expect(declined.body.booking.proposal).toBeUndefined()
    expect(await rowOf(world, "pp-decline")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    expect((await getBooking(guest, "pp-decline")).proposal).toBeUndefined()
    expect(await call(world, host, "confirmReschedule", { bookingId: "pp-decline" })).toMatchObject({ status: 409 })
  })

  it("a proposal outside the offer gets the same refusal as a move and stores nothing", async () => {
    await confirmed(world, "pp-outside")
    const sunday = await moveTo(world, guest, "pp-outside", at(6, 3))
    expect(sunday).toMatchObject({ status: 409, body: { error: "NoSlotAvailable", message: GUEST_RESCHEDULE_REFUSED } })
    expect((await getBooking(guest, "pp-outside")).proposal).toBeUndefined()
    expect(await call(world, host, "confirmReschedule", { bookingId: "pp-outside" })).toMatchObject({ status: 409, body: { error: "InvalidTransition" } })
  })

  it("a guest blocked since cannot propose (403 TierNotMet)", async () => {
    await confirmed(world, "pp-blocked")
    blocked.add(guest.did)
    expect(await moveTo(world, guest, "pp-blocked", at(1, 10))).toMatchObject({ status: 403, body: { error: "TierNotMet" } })
    blocked.clear()
    expect((await getBooking(guest, "pp-blocked")).proposal).toBeUndefined()
  })

  it("only the host answers a proposal: the guest can neither confirm nor decline their own", async () => {
    const before = await proposed("pp-guest")
    for (const method of ["confirmReschedule", "declineReschedule"]) {
      expect(await call(world, guest, method, { bookingId: "pp-guest" })).toMatchObject({
        status: 403,
        body: { error: "NotParticipant", message: ONLY_THE_HOST_ANSWERS_PROPOSALS }
      })
    }
    expect(await rowOf(world, "pp-guest")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    expect((await getBooking(guest, "pp-guest")).proposal).toMatchObject({ start: iso(at(1, 10)) })
  })

  it("a new proposal replaces the old one; cancel clears it", async () => {
    await proposed("pp-replace")
    expect(await moveTo(world, guest, "pp-replace", at(2, 14))).toMatchObject({ status: 200, body: { proposed: true } })
    expect((await getBooking(guest, "pp-replace")).proposal).toMatchObject({ start: iso(at(2, 14)) })
    expect(await call(world, guest, "cancel", { bookingId: "pp-replace" })).toMatchObject({ status: 200, body: { booking: { status: "canceled" } } })
    expect((await getBooking(host, "pp-replace")).proposal).toBeUndefined()
  })

  it("a proposed time taken since: confirm answers 409, drops the proposal and the meeting keeps its time", async () => {
    const before = await proposed("pp-taken")
    world.calendars.setBusy(host.did, [{ start: at(1, 9), end: at(1, 12) }])
    const taken = await call(world, host, "confirmReschedule", { bookingId: "pp-taken" })
    expect(taken).toMatchObject({ status: 409, body: { error: "NoSlotAvailable" } })
    expect(taken.body.message).toMatch(/proposal was dropped/)
    expect(await rowOf(world, "pp-taken")).toEqual({ status: "confirmed", startAt: before.startAt, endAt: before.endAt })
    expect((await getBooking(guest, "pp-taken")).proposal).toBeUndefined()
  })

  it("with guestsMayReschedule the guest still moves the meeting directly (no proposal)", async () => {
    rules = { ...DEFAULT_HOST_RULES, guestsMayReschedule: true }
    await confirmed(world, "pp-direct")
    const moved = await moveTo(world, guest, "pp-direct", at(1, 10))
    expect(moved).toMatchObject({ status: 200, body: { booking: { status: "rescheduled", slot: { start: iso(at(1, 10)) } } } })
    expect(moved.body.proposed).toBeUndefined()
    expect(moved.body.booking.proposal).toBeUndefined()
  })
})
