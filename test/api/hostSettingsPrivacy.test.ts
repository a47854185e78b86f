import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { makeAuditLogTest } from "../../src/adapters/memory/AuditLogTest"
import { calendarProviderTestLayer, CalendarProviderTestControl } from "../../src/adapters/memory/CalendarProviderTest"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { BookingLifecycleInProcess } from "../../src/features/bookings/BookingLifecycleInProcess"
import { IcsStoreTest } from "../../src/adapters/memory/IcsStoreTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { makeNotifyOutboxTest } from "../../src/adapters/memory/NotifyOutboxTest"
import { makePdsWriterTest } from "../../src/adapters/memory/PdsWriterTest"
import { makeRateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { noRelationship } from "../../src/domain/policy"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"
import { DAY, MIN, mondayAfter } from "../holds/fixtures"

// Issue 15, "Done when": settings and overrides never appear in any XRPC answer other than the owner's
// settings.get (and put), nor in any record Overlap writes to a PDS or any notification it queues. A scripted
// session through the XRPC front door — the host saves rules with distinctive marks; a guest reads offers and
// availability, matches, the host confirms, both read the booking, the guest tries to move it, the guest asks
// for the host's settings — and every answer, PDS write and notify task is scanned for the marks.

const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const at = (dayOffset: number, hour: number, minute = 0) => monday + dayOffset * DAY + hour * HOUR + minute * MIN
const iso = (ms: number) => new Date(ms).toISOString()
const date = (ms: number) => iso(ms).slice(0, 10)

let host: TestAccount, guest: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
let pdsWrites: Effect.Effect<ReadonlyArray<unknown>>
let notifyTasks: Effect.Effect<ReadonlyArray<unknown>>

beforeAll(async () => {
  ;[host, guest] = await Promise.all([makeAccount("hphost"), makeAccount("hpguest")])
  const calendars = new CalendarProviderTestControl()
  const repositories = RepositoriesTest
  const calendar = calendarProviderTestLayer(calendars)
  const graph = Layer.succeed(SocialGraph, SocialGraph.of({
    relationship: () => Effect.succeed({ ...noRelationship, following: true, followedBy: true })
  }))
  const holds = HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories)))
  const { audit, outbox, pds } = await Effect.runPromise(Effect.all({ outbox: makeNotifyOutboxTest, pds: makePdsWriterTest, audit: makeAuditLogTest }))
  pdsWrites = pds.writes
  notifyTasks = outbox.enqueued
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
  runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)) as any)
  // Mon–Fri 08:00–18:00 UTC for two weeks, to anyone.
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    Effect.forEach([0, 1, 2, 3, 4, 7, 8, 9, 10, 11], (d) =>
      offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`,
        cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
        startAt: at(d, 8), endAt: at(d, 18), policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
      }))))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
})

/** Every answer of the session but the owner's own settings.get / settings.put. */
const answers: Array<string> = []
let keys = 0
const call = async (as: TestAccount, nsid: string, init: { params?: Record<string, string>; body?: unknown } = {}) => {
  const url = new URL(`http://appview.test/xrpc/app.overlap.${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { authorization: `Bearer ${await as.token(`app.overlap.${nsid}`)}` }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `hp-${Date.now()}-${++keys}-abcdef`
  }
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  const text = await response.text()
  const ownSettings = as === host && nsid.startsWith("settings.")
  if (!ownSettings) answers.push(`${nsid} ${response.status} ${[...response.headers].join(";")}\n${text}`)
  return { status: response.status, body: JSON.parse(text) as Record<string, any> }
}

describe("host settings stay private (issue 15 items 3 and 4)", () => {
  it("no answer but the owner's, no PDS record and no notification carries a rule, a limit or a date override", async () => {
    const dayOff = date(at(1, 0))
    const shortDay = date(at(2, 0))
    const settings = {
      timeZone: "UTC",
      rules: { bufferBeforeMin: 17, bufferAfterMin: 13, minimumNoticeMin: 61, maxBookingsPerDay: 7, maxBookingsPerWeek: 23, horizonDays: 29 },
      eventTypes: [{ eventType: "consult-xq7", rules: { bufferAfterMin: 19 } }],
      dateOverrides: [{ from: dayOff, hours: [] }, { from: shortDay, hours: [{ start: "13:17", end: "15:43" }] }]
    }
    const offersBefore = await call(guest, "getOffers", { params: { host: host.did } })
    expect((await call(host, "settings.put", { body: settings })).status).toBe(200)
    expect(await call(host, "settings.get")).toMatchObject({ status: 200, body: { settings } })

    // The guest's session.
    // The public offers read the same as before the host saved settings (they list the day off's date: the
    // offer is public, the time off is not).
    const offersAfter = await call(guest, "getOffers", { params: { host: host.did } })
    expect(offersAfter).toEqual(offersBefore)
    const week = { host: host.did, durationMin: "30", earliest: iso(at(0, 0)), latest: iso(at(5, 0)), tz: "UTC" }
    const free = await call(guest, "getAvailability", { params: week })
    expect(free.status).toBe(200)
    expect(free.body.slots.length).toBeGreaterThan(0)
    for (const slot of free.body.slots) expect(slot.start.slice(0, 10)).not.toBe(dayOff)
    const held = await call(guest, "match", {
      body: { hostDid: host.did, constraints: { durationMin: 30, durationMax: 30, earliest: iso(at(1, 0)), latest: iso(at(3, 0)), tz: "UTC" } }
    })
    expect(held.status).toBe(200)
    const bookingId = held.body.result.bookingId as string
    // Not on the day off; on the short day within its hours (13:17 rounds up to the 15-minute grid).
    expect(held.body.result.slot.start).toBe(iso(at(2, 13, 30)))
    expect((await call(host, "finalize", { body: { bookingId } })).status).toBe(200)
    expect((await call(guest, "getBooking", { params: { id: bookingId } })).status).toBe(200)
    expect((await call(host, "getBooking", { params: { id: bookingId } })).status).toBe(200)
    expect((await call(guest, "listBookings", { params: { role: "guest" } })).status).toBe(200)
    expect((await call(host, "listBookings", { params: { role: "host" } })).status).toBe(200)
    const move = await call(guest, "reschedule", { body: { bookingId, slot: { start: iso(at(3, 10)), end: iso(at(3, 10, 30)) } } })
    // the host's rules keep moves to the host (guestsMayReschedule defaults to false): the guest's time is a proposal
    expect(move).toMatchObject({ status: 200, body: { proposed: true, booking: { status: "confirmed" } } })
    expect(await call(guest, "settings.get", { params: { host: host.did } })).toMatchObject({ status: 403, body: { error: "NotOwner" } })
    const own = await call(guest, "settings.get")
    expect(own).toMatchObject({ status: 200, body: { settings: { rules: {} } } })
    expect((await call(host, "cancel", { body: { bookingId, reason: "test over" } })).status).toBe(200)

    const needles = [
      dayOff,
      "\"13:17\"",
      "\"15:43\"",
      "consult-xq7",
      "dateOverrides",
      "bufferBeforeMin",
      "bufferAfterMin",
      "minimumNoticeMin",
      "maxBookingsPerDay",
      "maxBookingsPerWeek",
      "horizonDays",
      "maxLiveHoldsPerGuest",
      "guestsMayReschedule"
    ]
    // The guest's own settings.get answers the guest's (empty) settings with the defaults' names: it is the
    // owner's answer too, so it is left out of the scan; the host's settings are not in it.
    const scanned = answers.filter((a) => !a.startsWith("settings.get 200"))
    expect(scanned.length).toBeGreaterThanOrEqual(12)
    const found = (text: string) => needles.filter((n) => text.includes(n))
    for (const answer of scanned) {
      const marks = found(answer).filter((n) => !(answer.startsWith("getOffers 200") && n === dayOff))
      expect(marks, answer).toEqual([])
    }
    expect(found(JSON.stringify(own.body.settings))).toEqual([])
    const records = JSON.stringify(await Effect.runPromise(pdsWrites))
    expect(records.length).toBeGreaterThan(2) // the booking's record was written
    expect(found(records)).toEqual([])
    const tasks = JSON.stringify(await Effect.runPromise(notifyTasks))
    expect(tasks.length).toBeGreaterThan(2)
    expect(found(tasks)).toEqual([])
    // The scan can see a mark: the owner's answer carries every one of them.
    expect(found(JSON.stringify((await call(host, "settings.get")).body))).toEqual(needles)
  })
})
