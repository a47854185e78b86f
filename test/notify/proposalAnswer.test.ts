import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { makeAuditLogTest } from "../../src/adapters/memory/AuditLogTest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { IcsStoreTest } from "../../src/adapters/memory/IcsStoreTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { DEFAULT_HOST_RULES } from "../../src/domain/matching/hostRules"
import { dmText, messageText, subjectFor } from "../../src/domain/notify/render"
import type { BookingEvent, NotifyTask } from "../../src/domain/notify/task"
import { noRelationship } from "../../src/domain/policy"
import { BookingLifecycleInProcess } from "../../src/features/bookings/BookingLifecycleInProcess"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { HostSettingsRepo } from "../../src/services/HostSettingsRepo"
import { Held, HoldStore } from "../../src/services/HoldStore"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { DAY, matchRequest, MIN, mondayAfter } from "../holds/fixtures"

// Issue 16 item 3's rest: a host who keeps the meeting's time (app.overlap.declineReschedule, the same command the
// e-mail's keep-time link runs) tells the guest — once, to the guest only, with the time that was not taken —
// through the XRPC front door and the real booking engine (in-process hold store, memory repositories).

const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const at = (dayOffset: number, hour: number, minute = 0) => monday + dayOffset * DAY + hour * HOUR + minute * MIN
const iso = (ms: number) => new Date(ms).toISOString()

let host: TestAccount, guest: TestAccount
beforeAll(async () => {
  ;[host, guest] = await Promise.all([makeAccount("pahost"), makeAccount("paguest")])
})

let xrpc: XrpcHandler
let run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>
let enqueued: Effect.Effect<ReadonlyArray<NotifyTask>>
let dispose: () => Promise<void>

beforeEach(async () => {
  const calendars = new CalendarProviderTestControl()
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(calendars)
  const graph = Layer.succeed(SocialGraph, SocialGraph.of({
    relationship: () => Effect.succeed({ ...noRelationship, following: true, followedBy: true })
  }))
  const holds = HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories)))
  const { outbox, pds, audit } = await Effect.runPromise(Effect.all({ outbox: makeNotifyOutboxTest, pds: makePdsWriterTest, audit: makeAuditLogTest }))
  enqueued = outbox.enqueued
  const lifecycle = BookingLifecycleInProcess.pipe(
    Layer.provide(Layer.mergeAll(holds, IcsStoreTest, outbox.layer, pds.layer, audit.layer, repositories).pipe(
      Layer.provide(Layer.merge(repositories, WebhookSubscriptionsRepoTest))
    ))
  )
  const runtime = ManagedRuntime.make(Layer.mergeAll(
    repositories, serviceAuthFor([host, guest])(repositories), makeRateLimiterTest({}), TurnstileTest, graph, calendar, holds,
    lifecycle, AnalyticsTest, makeIdentityResolverTest()
  ))
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)) as any)
  run = <A, E>(effect: Effect.Effect<A, E, any>) => runtime.runPromise(effect as Effect.Effect<A, E, never>)
  await run(Effect.gen(function*() {
    yield* Effect.flatMap(HostSettingsRepo, (repo) => repo.put(host.did, { rules: DEFAULT_HOST_RULES })) // guests propose
    const offers = yield* OffersRepo
    for (const d of [0, 1, 2]) {
      yield* offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
        startAt: at(d, 8), endAt: at(d, 18), policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
      })
    }
  }))
  dispose = async () => { await xrpc.dispose(); await runtime.dispose() }
})
afterEach(() => dispose())

let keys = 0
const call = async (as: TestAccount, method: string, body: Record<string, unknown>) => {
  const nsid = `app.overlap.${method}`
  const response = await xrpc.handle(new Request(`http://appview.test/xrpc/${nsid}`, {
    method: "POST",
    headers: { authorization: `Bearer ${await as.token(nsid)}`, "content-type": "application/json", "idempotency-key": `answer-${Date.now()}-${++keys}-abcdef` },
    body: JSON.stringify(body)
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** Confirmed Monday 09:00; the guest proposes Tuesday 10:00 (a proposal: the host's rules keep moves with the host). */
const proposed = async (bookingId: string) => {
  const held = await run(Effect.flatMap(HoldStore, (store) =>
    store.match(matchRequest({ hostDid: host.did, guestDid: guest.did, bookingId, earliest: at(0, 9), latest: at(0, 12), bufferMin: 0 }))))
  expect(held).toBeInstanceOf(Held)
  expect((await call(host, "finalize", { bookingId })).status).toBe(200)
  const asked = await call(guest, "reschedule", { bookingId, slot: { start: iso(at(1, 10)), end: iso(at(1, 10, 30)) } })
  expect(asked).toMatchObject({ status: 200, body: { proposed: true } })
}

const declinedNotices = async () => (await run(enqueued)).filter((t) => t.event.type === "booking.reschedule_declined")

describe("the host keeps the time of a guest's proposal: the guest is told, once", () => {
  it("declineReschedule enqueues booking.reschedule_declined to the guest alone, with the time not taken and the host's reason", async () => {
    await proposed("pa-1")
    expect(await declinedNotices()).toEqual([])
    expect(await call(host, "declineReschedule", { bookingId: "pa-1", reason: "that day is full" })).toMatchObject({ status: 200 })
    const tasks = await declinedNotices()
    expect(tasks.length).toBeGreaterThanOrEqual(1)
    expect(new Set(tasks.map((t) => t.recipientDid))).toEqual(new Set([guest.did]))
    expect(new Set(tasks.map((t) => t.id.split("|")[0])).size).toBe(1)
    const event = tasks[0]!.event as BookingEvent
    expect(event).toMatchObject({
      bookingId: "pa-1", hostDid: host.did, guestDid: guest.did, startAt: at(0, 9),
      proposedStartAt: at(1, 10), proposedEndAt: at(1, 10, 30), reason: "that day is full",
      // on the host's clock (the fixture's host is in UTC, its guest in Berlin: bookings.tz is the guest's)
      tz: "UTC"
    })
    const confirmedEvent = (await run(enqueued)).find((t) => t.event.type === "booking.confirmed")!.event as BookingEvent
    expect(confirmedEvent.tz).toBe("UTC")
    // what the guest reads (e-mail body, DM text) names the time kept and the one not taken
    expect(subjectFor(event)).toMatch(/^Not moved: /)
    expect(messageText(event, guest.did)).toMatch(/kept your meeting on .* at its time: the new time you proposed, Tue, .*, was not taken\./)
    expect(dmText(event, guest.did, { view: "https://overlap.test/act/view?t=x" })).toContain("Reason: that day is full")

    // answering again is refused (no open proposal) and tells nobody anything more
    expect(await call(host, "declineReschedule", { bookingId: "pa-1" })).toMatchObject({ status: 409 })
    expect((await declinedNotices()).length).toBe(tasks.length)
  })

  it("a host who takes the proposed time sends no 'not moved' notice (the move's own notice tells both)", async () => {
    await proposed("pa-2")
    expect(await call(host, "confirmReschedule", { bookingId: "pa-2" })).toMatchObject({ status: 200 })
    expect(await declinedNotices()).toEqual([])
    expect((await run(enqueued)).some((t) => t.event.type === "booking.rescheduled" && t.recipientDid === guest.did)).toBe(true)
  })
})
