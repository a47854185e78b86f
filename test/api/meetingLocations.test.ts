import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { makeAuditLogTest } from "../../src/adapters/memory/AuditLogTest"
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
import { googleHoldEventId } from "../../src/domain/calendar/eventIds"
import { noRelationship } from "../../src/domain/policy"
import type { EventLocation } from "../../src/domain/eventTypes"
import { CalendarProvider } from "../../src/services/CalendarProvider"
import { EventTypesRepo } from "../../src/services/EventTypesRepo"
import { IcsStore } from "../../src/services/IcsStore"
import { OffersRepo } from "../../src/services/OffersRepo"
import { SocialGraph } from "../../src/services/SocialGraph"
import { UserConnectors } from "../../src/services/UserConnectors"
import { connectorHarness, seedConnector } from "../support/connectorHarness"
import { type FakeGoogle, startFakeGoogle } from "../support/fakeGoogle"
import { type FakeGraph, startFakeGraph } from "../support/fakeGraph"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "./xrpcTestKit"
import { DAY, MIN, mondayAfter } from "../holds/fixtures"

// Issue 15 item 5, "Done when": a conference made at finalize — Google Meet when the host's holds calendar is
// Google, Teams when it is Microsoft — is in both people's calendar events and in the invitation, and the
// booking says where the meeting is. Through the XRPC front door (match, finalize, getBooking, listBookings)
// with the real connector engine and provider adapters over HTTP against the local Google and Graph fakes,
// which check every request as the providers document it (conferenceData.createRequest only with
// conferenceDataVersion=1; isOnlineMeeting with a known onlineMeetingProvider).

const HOUR = 60 * MIN
const monday = mondayAfter(Date.now())
const at = (dayOffset: number, hour: number, minute = 0) => monday + dayOffset * DAY + hour * HOUR + minute * MIN
const iso = (ms: number) => new Date(ms).toISOString()
const CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"

let host: TestAccount, guest: TestAccount
let google: FakeGoogle, graph: FakeGraph
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
let notifyTasks: Effect.Effect<ReadonlyArray<unknown>>

beforeEach(async () => {
  ;[host, guest] = await Promise.all([makeAccount("mlhost"), makeAccount("mlguest")])
  google = await startFakeGoogle({ primaryId: "host-or-guest@example.com" })
  graph = await startFakeGraph()
})
afterEach(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
  // every request the adapters sent was one the providers accept
  expect(google.malformed).toEqual([])
  expect(graph.malformed).toEqual([])
  await google.close()
  await graph.close()
})

/** The AppView over the real connector engine: `onGoogle` has the Google calendar, the other one the Microsoft one. */
const start = async (onGoogle: TestAccount, location: EventLocation) => {
  const onGraph = onGoogle === host ? guest : host
  const harness = connectorHarness({ google, graph })
  const repositories = RepositoriesTest
  // Every DID's calendars are its connectors (CalendarProviderLive routes a DID with connectors the same way).
  const calendar = Layer.effect(CalendarProvider, Effect.map(UserConnectors, (c) => CalendarProvider.of({
    busy: c.busy,
    placeHold: c.placeHold,
    confirmHold: c.confirmHold,
    moveHold: c.moveHold,
    releaseHold: c.releaseHold
  }))).pipe(Layer.provideMerge(harness.layer))
  const graphLayer = Layer.succeed(SocialGraph, SocialGraph.of({
    relationship: () => Effect.succeed({ ...noRelationship, following: true, followedBy: true })
  }))
  const holds = HoldStoreInProcess.pipe(Layer.provide(Layer.merge(calendar, repositories)))
  const { audit, outbox, pds } = await Effect.runPromise(Effect.all({ outbox: makeNotifyOutboxTest, pds: makePdsWriterTest, audit: makeAuditLogTest }))
  notifyTasks = outbox.enqueued
  const lifecycle = BookingLifecycleInProcess.pipe(
    Layer.provideMerge(Layer.mergeAll(holds, IcsStoreTest, outbox.layer, pds.layer, audit.layer, repositories).pipe(
      Layer.provide(Layer.merge(repositories, WebhookSubscriptionsRepoTest))
    ))
  )
  const services = Layer.mergeAll(
    repositories,
    serviceAuthFor([host, guest])(repositories),
    makeRateLimiterTest({}),
    TurnstileTest,
    graphLayer,
    calendar,
    lifecycle,
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  runtime = ManagedRuntime.make(services)
  const context = await runtime.runtime()
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext(context.context)) as any)
  await runtime.runPromise(Effect.gen(function*() {
    yield* seedConnector({
      id: "google-1", did: onGoogle.did, provider: "google", secret: google.issueTokens().refreshToken,
      accountRef: google.primaryId, calendars: [{ id: google.primaryId, name: "Calendar", primary: true, checkBusy: true }]
    })
    yield* seedConnector({
      id: "microsoft-1", did: onGraph.did, provider: "microsoft", secret: graph.issueTokens().refreshToken,
      accountRef: graph.userAddress, calendars: [{ id: "calendar", name: "Calendar", primary: true, checkBusy: true }]
    })
    const offers = yield* OffersRepo
    yield* Effect.forEach([0, 1, 2, 3, 4], (d) =>
      offers.upsert({
        uri: `at://${host.did}/app.overlap.slotOffer/d${d}`, did: host.did, rkey: `d${d}`, cid: CID, rev: "3l000000000002",
        startAt: at(d, 8), endAt: at(d, 18), policy: "anyone", tz: "Europe/Berlin", note: null, createdAt: Date.now()
      }))
    const eventTypes = yield* EventTypesRepo
    yield* eventTypes.upsert({
      uri: `at://${host.did}/app.overlap.eventType/call`, did: host.did, rkey: "call", cid: CID, rev: "3l000000000002",
      slug: "call", name: "A call", description: null, durations: [30], policy: "anyone", location, offers: null, createdAt: Date.now()
    })
  }) as Effect.Effect<void, unknown, never>)
}

let keys = 0
const call = async (as: TestAccount, nsid: string, init: { params?: Record<string, string>; body?: unknown } = {}) => {
  const url = new URL(`http://appview.test/xrpc/app.overlap.${nsid}`)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.append(k, v)
  const headers: Record<string, string> = { authorization: `Bearer ${await as.token(`app.overlap.${nsid}`)}` }
  if (init.body !== undefined) {
    headers["content-type"] = "application/json"
    headers["idempotency-key"] = `ml-${Date.now()}-${++keys}-abcdef`
  }
  const response = await xrpc.handle(new Request(url, {
    method: init.body !== undefined ? "POST" : "GET",
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
  }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

/** Guest matches the event type on Tuesday (guest in New York), host finalizes; answers the booking id. */
const bookAndFinalize = async () => {
  const held = await call(guest, "match", {
    body: { hostDid: host.did, eventType: "call", constraints: { durationMin: 30, durationMax: 30, earliest: iso(at(1, 0)), latest: iso(at(2, 0)), tz: "America/New_York" } }
  })
  expect(held, JSON.stringify(held.body)).toMatchObject({ status: 200 })
  const bookingId = held.body.result.bookingId as string
  const finalized = await call(host, "finalize", { body: { bookingId } })
  expect(finalized, JSON.stringify(finalized.body)).toMatchObject({ status: 200 })
  return { bookingId, slot: held.body.result.slot as { start: string; end: string } }
}

const storedIcs = (bookingId: string) =>
  runtime.runPromise(Effect.flatMap(IcsStore, (store) => store.get(`ics/${bookingId}/1.ics`)).pipe(Effect.map(Option.getOrThrow)) as unknown as Effect.Effect<{ ics: string }>)

/** The ICS text unfolded (RFC 5545 §3.1), so a long property reads as one line. */
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, "")

describe("meeting locations (issue 15 item 5)", () => {
  it("a Google host's Meet link, made at finalize, is in both calendars' events, the invitation, getBooking and listBookings", async () => {
    await start(host, { $type: "app.overlap.defs#locationConference", provider: "auto" })
    const { bookingId, slot } = await bookAndFinalize()

    // The host's Google event: confirmed, with the Meet made through conferenceData (pending first, then made).
    const hostEvent = google.event(google.primaryId, googleHoldEventId(bookingId))!
    expect(hostEvent.status).toBe("confirmed")
    expect(google.meetRequests).toEqual([`overlap-${hostEvent.id}`])
    expect(hostEvent.conferenceData?.createRequest.status.statusCode).toBe("success")
    const meet = hostEvent.hangoutLink!
    expect(meet).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/)
    expect(hostEvent.conferenceData?.entryPoints?.[0]?.uri).toBe(meet)
    // the conference is the event's own (Google Calendar shows its join button); no text is added to it
    expect(hostEvent.location).toBeUndefined()
    // a Meet PATCH was read back at least once while pending
    const reads = google.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/events/${hostEvent.id}`))
    expect(reads.length).toBeGreaterThanOrEqual(2)

    // The guest's Microsoft event: busy, with the same link as its location and in its body.
    const guestEvent = [...graph.events.values()].find((e) => e.transactionId !== undefined)!
    expect(guestEvent.showAs).toBe("busy")
    expect(guestEvent.location?.displayName).toBe(`Google Meet: ${meet}`)
    expect(guestEvent.body?.content).toContain(meet)
    expect(guestEvent.isOnlineMeeting ?? false).toBe(false)

    // The invitation: LOCATION, URL, DESCRIPTION and Google's own X-GOOGLE-CONFERENCE.
    const ics = unfold((await storedIcs(bookingId)).ics)
    expect(ics).toContain(`LOCATION:Google Meet: ${meet}`)
    expect(ics).toContain(`URL:${meet}`)
    expect(ics).toContain(`X-GOOGLE-CONFERENCE:${meet}`)
    expect(ics).toMatch(new RegExp(`DESCRIPTION:.*${meet.replace(/[.]/g, "\\.")}`))

    // Both people's answers carry the place, the link and the time on both clocks.
    for (const who of [guest, host]) {
      const view = await call(who, "getBooking", { params: { id: bookingId } })
      expect(view.status).toBe(200)
      expect(view.body.booking).toMatchObject({
        status: "confirmed",
        location: { $type: "app.overlap.defs#locationConference", provider: "auto" },
        joinUrl: meet,
        conferenceProvider: "googleMeet",
        slot: {
          start: slot.start,
          guest: { tz: "America/New_York" },
          host: { tz: "Europe/Berlin" }
        }
      })
      expect(view.body.booking.slot.guest.start).toMatch(/-05:00$/)
      expect(view.body.booking.slot.host.start).toMatch(/\+01:00$/)
      const listed = await call(who, "listBookings", { params: { role: who === host ? "host" : "guest" } })
      expect(listed.body.bookings.find((b: any) => b.id === bookingId)).toMatchObject({ joinUrl: meet })
    }
    // The notification carries the link (the e-mail's invitation renders it).
    const tasks = JSON.stringify(await Effect.runPromise(notifyTasks))
    expect(tasks).toContain(meet)
  })

  it("a Microsoft host's Teams link, made at finalize, is in both calendars' events and the invitation (join link read back when the PATCH lacks it)", async () => {
    graph.teamsJoinUrlLate = true
    await start(guest, { $type: "app.overlap.defs#locationConference", provider: "microsoftTeams" })
    const { bookingId } = await bookAndFinalize()

    const hostEvent = [...graph.events.values()].find((e) => e.transactionId !== undefined)!
    expect(hostEvent).toMatchObject({ showAs: "busy", isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" })
    const teams = hostEvent.onlineMeeting!.joinUrl
    expect(teams).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//)
    expect(graph.requests.some((r) => r.method === "GET" && r.query.get("$select") === "isOnlineMeeting,onlineMeeting")).toBe(true)

    const guestEvent = google.event(google.primaryId, googleHoldEventId(bookingId))!
    expect(guestEvent.status).toBe("confirmed")
    expect(guestEvent.location).toBe(`Microsoft Teams: ${teams}`)
    expect(guestEvent.description).toContain(teams)
    expect(guestEvent.conferenceData).toBeUndefined()
    expect(google.meetRequests).toEqual([])

    const ics = unfold((await storedIcs(bookingId)).ics)
    expect(ics).toContain(`X-MICROSOFT-SKYPETEAMSMEETINGURL:${teams}`)
    expect(ics).toContain(`URL:${teams}`)
    expect(ics).not.toContain("X-GOOGLE-CONFERENCE")

    const view = await call(guest, "getBooking", { params: { id: bookingId } })
    expect(view.body.booking).toMatchObject({ joinUrl: teams, conferenceProvider: "microsoftTeams" })
  })

  it("an address is the events' and the invitation's location, with no conference asked of anyone", async () => {
    await start(host, { $type: "app.overlap.defs#locationInPerson", address: "Torstraße 1, 10119 Berlin" })
    const { bookingId } = await bookAndFinalize()
    expect(google.event(google.primaryId, googleHoldEventId(bookingId))!.location).toBe("Torstraße 1, 10119 Berlin")
    const guestEvent = [...graph.events.values()].find((e) => e.transactionId !== undefined)!
    expect(guestEvent.location?.displayName).toBe("Torstraße 1, 10119 Berlin")
    expect(guestEvent.isOnlineMeeting ?? false).toBe(false)
    expect(google.meetRequests).toEqual([])
    const ics = unfold((await storedIcs(bookingId)).ics)
    expect(ics).toContain("LOCATION:Torstraße 1\\, 10119 Berlin")
    expect(ics).not.toMatch(/X-GOOGLE-CONFERENCE|X-MICROSOFT/)
    const view = await call(guest, "getBooking", { params: { id: bookingId } })
    expect(view.body.booking.location).toEqual({ $type: "app.overlap.defs#locationInPerson", address: "Torstraße 1, 10119 Berlin" })
    expect(view.body.booking.joinUrl).toBeUndefined()
  })
})
