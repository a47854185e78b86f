import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { makeIdentityResolverTest } from "../../src/adapters/memory/IdentityResolverTest"
import { OAuthClientTest } from "../../src/adapters/memory/OAuthClientTest"
import { PushChannelsTest } from "../../src/adapters/memory/PushChannelsTest"
import { RateLimiterTest } from "../../src/adapters/memory/RateLimiterTest"
import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { makeSocialGraphTest } from "../../src/adapters/memory/SocialGraphTest"
import { TokenVaultTest } from "../../src/adapters/memory/TokenVaultTest"
import { TurnstileTest } from "../../src/adapters/memory/TurnstileTest"
import { holdResourceName } from "../../src/domain/calendar/holdEvent"
import { ConnectorSettings } from "../../src/features/connectors/ConnectorSettings"
import { UserConnectorsInProcess } from "../../src/features/connectors/UserConnectorsInProcess"
import { HoldStoreInProcess } from "../../src/features/matching/HoldStoreInProcess"
import { makeXrpcHandler, type XrpcHandler } from "../../src/features/xrpcHandler"
import { ProviderAdaptersLive } from "../../src/entry/providerAdapters"
import { CalendarProvider } from "../../src/services/CalendarProvider"
import { ConnectorNotices } from "../../src/services/ConnectorNotices"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { OffersRepo } from "../../src/services/OffersRepo"
import { UserConnectors } from "../../src/services/UserConnectors"
import { makeAccount, serviceAuthFor, type TestAccount, withXrpcTestServices } from "../api/xrpcTestKit"
import { type Radicale, startRadicale } from "../support/radicale"

/**
 * app.overlap.connector.setCalendars end to end (issue 14, Calendars: which calendars block, which one takes
 * holds): the real HttpApi and service-auth, the real connector engine (in-process) against a real Radicale with
 * two calendars, getAvailability through the same handler. The CalendarProvider is the connector engine, as
 * CalendarProviderLive routes a connected user (its local D1 calendar is left out here: it holds nothing).
 */

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
/** Midnight UTC, three days ahead or more: past any minimum notice. */
const DAY0 = Math.ceil((Date.now() + 3 * DAY) / DAY) * DAY
const iso = (ms: number) => new Date(ms).toISOString()
const icsTime = (ms: number) => iso(ms).replace(/[-:]/g, "").replace(/\.\d{3}/, "")

let radicale: Radicale
let host: TestAccount
let guest: TestAccount
let other: TestAccount
let xrpc: XrpcHandler
let runtime: ManagedRuntime.ManagedRuntime<any, never>
let workUrl: string
let familyUrl: string

/**
 * CalendarProviderLive's routing without its local D1 calendar: a user with connectors is answered by them, a user
 * without any (the guest) is free.
 */
const ConnectorCalendar = Layer.effect(
  CalendarProvider,
  Effect.gen(function*() {
    const connectors = yield* UserConnectors
    const repo = yield* ConnectorsRepo
    return CalendarProvider.of({
      busy: (did, range) =>
        Effect.flatMap(repo.listForDid(did).pipe(Effect.orDie), (rows) => (rows.length === 0 ? Effect.succeed([]) : connectors.busy(did, range))),
      placeHold: connectors.placeHold,
      confirmHold: connectors.confirmHold,
      moveHold: connectors.moveHold,
      releaseHold: connectors.releaseHold
    })
  })
)

beforeAll(async () => {
  radicale = await startRadicale()
  workUrl = await radicale.makeCalendar("work")
  familyUrl = await radicale.makeCalendar("family")
  // The family calendar is busy 10:00–11:00 UTC on DAY0.
  await radicale.putObject(familyUrl, "school.ics", [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:school-run@test",
    `DTSTAMP:${icsTime(DAY0)}`, `DTSTART:${icsTime(DAY0 + 10 * HOUR)}`, `DTEND:${icsTime(DAY0 + 11 * HOUR)}`,
    "SUMMARY:School run", "END:VEVENT", "END:VCALENDAR", ""
  ].join("\r\n"))
  ;[host, guest, other] = await Promise.all(["cchost", "ccguest", "ccother"].map((n) => makeAccount(n)))
  const settings = Layer.succeed(ConnectorSettings, ConnectorSettings.fromEnv({} as never))
  const base = Layer.mergeAll(
    RepositoriesTest,
    TokenVaultTest,
    OAuthClientTest,
    FetchHttpClient.layer,
    Layer.succeed(ConnectorNotices, ConnectorNotices.of({ send: () => Effect.void })),
    PushChannelsTest,
    settings,
    ProviderAdaptersLive.pipe(Layer.provide(Layer.merge(settings, makeOutboundGuardTest({}, { development: true, allowedPorts: [] }))))
  )
  const connectors = Layer.provideMerge(UserConnectorsInProcess, base)
  const calendar = ConnectorCalendar.pipe(Layer.provideMerge(connectors))
  const services = Layer.mergeAll(
    calendar,
    serviceAuthFor([host, guest, other])(RepositoriesTest),
    RateLimiterTest,
    TurnstileTest,
    makeSocialGraphTest({ follows: [[host.did, guest.did], [guest.did, host.did]], blocks: [] }),
    HoldStoreInProcess.pipe(Layer.provide(calendar)),
    AnalyticsTest,
    makeIdentityResolverTest()
  )
  runtime = ManagedRuntime.make(services)
  xrpc = makeXrpcHandler(withXrpcTestServices(Layer.succeedContext((await runtime.runtime()).context)))
  await runtime.runPromise(Effect.flatMap(OffersRepo, (offers) =>
    offers.upsert({
      uri: `at://${host.did}/app.overlap.slotOffer/d0`, did: host.did, rkey: "d0",
      cid: "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", rev: "3l000000000002",
      startAt: DAY0 + 8 * HOUR, endAt: DAY0 + 18 * HOUR, policy: "anyone", tz: "UTC", note: null, createdAt: Date.now()
    })))
})

afterAll(async () => {
  await xrpc?.dispose()
  await runtime?.dispose()
  await radicale?.stop()
})

const call = async (account: TestAccount | undefined, nsid: string, body?: unknown) => {
  const headers: Record<string, string> = account ? { authorization: `Bearer ${await account.token(nsid)}` } : {}
  const init: RequestInit = body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) }
  const response = await xrpc.handle(new Request(`https://appview.test/xrpc/${nsid}`, init))
  const text = await response.text()
  return { status: response.status, text, body: (text === "" ? {} : JSON.parse(text)) as Record<string, any> }
}
const setCalendars = (account: TestAccount | undefined, body: unknown) => call(account, "app.overlap.connector.setCalendars", body)

/** The guest asks for one hour at 10:00 (and around it) on DAY0: the slot starts it is offered. */
const offeredStarts = async () => {
  const url = new URL("https://appview.test/xrpc/app.overlap.getAvailability")
  for (const [k, v] of Object.entries({ host: host.did, tz: "UTC", durationMin: "60", earliest: iso(DAY0 + 9 * HOUR), latest: iso(DAY0 + 12 * HOUR) })) {
    url.searchParams.set(k, v)
  }
  const response = await xrpc.handle(new Request(url, { headers: { authorization: `Bearer ${await guest.token("app.overlap.getAvailability")}` } }))
  const body = await response.json() as { slots?: Array<{ start: string }>; message?: string }
  expect(response.status, body.message).toBe(200)
  return body.slots!.map((slot) => slot.start)
}

let connectorId: string

describe("connector.setCalendars", () => {
  it("connects Radicale: both calendars block, holds go to the first that blocks", async () => {
    const started = await call(host, "app.overlap.connector.start", {
      provider: "caldav", serverUrl: radicale.url, username: radicale.username, appPassword: radicale.password
    })
    expect(started.status, started.text).toBe(200)
    connectorId = started.body.connector.id
    const listed = (await call(host, "app.overlap.listConnectors")).body.connectors[0]
    expect(listed.calendars).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: workUrl, checkBusy: true }),
      expect.objectContaining({ id: familyUrl, checkBusy: true })
    ]))
    expect(listed.calendars.filter((c: { holds?: boolean }) => c.holds === true)).toHaveLength(1)
  })

  it("bad input is a 400 naming the field; another user's connector is unknown; no auth is 401", async () => {
    const unknown = await setCalendars(host, { connectorId: "caldav-nope", calendars: [{ id: workUrl, checkBusy: true }] })
    expect(unknown).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringMatching(/^connectorId: /) } })
    const foreign = await setCalendars(other, { connectorId, calendars: [{ id: workUrl, checkBusy: false }] })
    expect(foreign).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^connectorId: /) } })
    const badCalendar = await setCalendars(host, { connectorId, calendars: [{ id: `${radicale.homeUrl}nope/`, checkBusy: false }] })
    expect(badCalendar).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringMatching(/^calendars\[0\]\.id: /) } })
    const twice = await setCalendars(host, { connectorId, calendars: [{ id: workUrl, checkBusy: false }, { id: workUrl, checkBusy: true }] })
    expect(twice).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^calendars\[1\]\.id: /) } })
    const badHolds = await setCalendars(host, { connectorId, calendars: [{ id: workUrl, checkBusy: true }], holdsTarget: "elsewhere" })
    expect(badHolds).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^holdsTarget: /) } })
    const empty = await setCalendars(host, { connectorId, calendars: [] })
    expect(empty.status).toBe(400)
    expect(empty.body.message).toMatch(/calendars/)
    const missing = await setCalendars(host, { calendars: [{ id: workUrl, checkBusy: true }] })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/connectorId/)
    expect((await setCalendars(undefined, { connectorId, calendars: [{ id: workUrl, checkBusy: true }] })).status).toBe(401)
    // Nothing was changed by any of them.
    const stored = await runtime.runPromise(Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(host.did)))
    expect(stored[0]!.calendars.every((c) => c.checkBusy)).toBe(true)
  })

  it("a busy event in a calendar that stops blocking: 10:00 is offered after the switch, not before", async () => {
    expect(await offeredStarts()).not.toContain(iso(DAY0 + 10 * HOUR))
    const answer = await setCalendars(host, { connectorId, calendars: [{ id: familyUrl, checkBusy: false }] })
    expect(answer.status, answer.text).toBe(200)
    expect(answer.body.connector.calendars).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: workUrl, checkBusy: true }),
      expect.objectContaining({ id: familyUrl, checkBusy: false })
    ]))
    expect(await offeredStarts()).toContain(iso(DAY0 + 10 * HOUR))
    // and back: it blocks again at once
    expect((await setCalendars(host, { connectorId, calendars: [{ id: familyUrl, checkBusy: true }] })).status).toBe(200)
    expect(await offeredStarts()).not.toContain(iso(DAY0 + 10 * HOUR))
    expect((await setCalendars(host, { connectorId, calendars: [{ id: familyUrl, checkBusy: false }] })).status).toBe(200)
  })

  it("holds land in the calendar chosen for them (only there); the same call twice changes nothing", async () => {
    // family does not block (the test above): holds cannot go there until it does
    const notBlocking = await setCalendars(host, { connectorId, calendars: [{ id: workUrl, checkBusy: true }], holdsTarget: familyUrl })
    expect(notBlocking).toMatchObject({ status: 400, body: { error: "InvalidRequest", message: expect.stringMatching(/^holdsTarget: /) } })
    const body = { connectorId, calendars: [{ id: familyUrl, checkBusy: true }], holdsTarget: familyUrl }
    const first = await setCalendars(host, body)
    expect(first.status, first.text).toBe(200)
    const again = await setCalendars(host, body)
    expect(again.body).toEqual(first.body)
    expect(first.body.connector.calendars.filter((c: { holds?: boolean }) => c.holds).map((c: { id: string }) => c.id)).toEqual([familyUrl])
    const listed = (await call(host, "app.overlap.listConnectors")).body.connectors[0]
    expect(listed).toEqual(first.body.connector)

    const bookingId = "bk_calendar_choice"
    const ref = await runtime.runPromise(Effect.flatMap(CalendarProvider, (calendar) =>
      calendar.placeHold(host.did, { bookingId, start: DAY0 + 14 * HOUR, end: DAY0 + 15 * HOUR, tz: "UTC", summary: "Overlap hold" })))
    expect(ref.calendarId).toBe(familyUrl)
    const resource = holdResourceName(bookingId)
    expect((await radicale.request(`${familyUrl}${resource}`)).status).toBe(200)
    expect((await radicale.request(`${workUrl}${resource}`)).status).toBe(404)

    // Choosing the other calendar: the next hold goes there.
    expect((await setCalendars(host, { connectorId, calendars: [{ id: workUrl, checkBusy: true }], holdsTarget: workUrl })).status).toBe(200)
    const next = await runtime.runPromise(Effect.flatMap(CalendarProvider, (calendar) =>
      calendar.placeHold(host.did, { bookingId: "bk_calendar_choice_2", start: DAY0 + 15 * HOUR, end: DAY0 + 16 * HOUR, tz: "UTC", summary: "Overlap hold" })))
    expect(next.calendarId).toBe(workUrl)
    expect((await radicale.request(`${workUrl}${holdResourceName("bk_calendar_choice_2")}`)).status).toBe(200)
    // the calendar taking the holds cannot stop blocking while it takes them
    const unticked = await setCalendars(host, { connectorId, calendars: [{ id: familyUrl, checkBusy: true }, { id: workUrl, checkBusy: false }] })
    expect(unticked).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^calendars\[1\]\.checkBusy: /) } })
  })
})
