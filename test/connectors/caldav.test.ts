import { developmentOutboundGuard } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { holdResourceName } from "../../src/domain/calendar/holdEvent"
import { type CaldavCalendar, type CaldavConfig, makeCaldavCalendar } from "../../src/adapters/providers/caldav/CaldavCalendar"
import { HoldRef, type Interval } from "../../src/services/CalendarProvider"
import { type Radicale, startRadicale } from "../support/radicale"
import {
  ALL_DAY_DST_SUNDAY,
  ALL_DAY_NO_END,
  BERLIN_CALENDAR_TIMEZONE,
  FLOATING_MEETING,
  singleEvent,
  STANDUP_WITH_EXCEPTIONS,
  WEEKLY_ACROSS_AUTUMN_DST,
  WEEKLY_ACROSS_SPRING_DST
} from "./icsFixtures"

/**
 * The CalDAV connector against a real Radicale (Debian's 3.1.x), started for this file on a free port.
 * Every expected instant below was worked out by hand from the local times and the zone's offset.
 */

let radicale: Radicale
let startFailure: unknown
beforeAll(async () => {
  // Kept rather than thrown: a failing beforeAll marks the tests "skipped"; each test must fail instead.
  await startRadicale().then((server) => (radicale = server), (error: unknown) => (startFailure = error))
})
afterAll(async () => {
  await radicale?.stop()
})

/** Every test starts with this: the reason Radicale is missing, as the test's failure. */
const started = Effect.suspend(() => (startFailure === undefined ? Effect.void : Effect.die(startFailure)))

const withCalendar = <A, E>(
  body: (calendar: CaldavCalendar) => Effect.Effect<A, E>,
  config: Partial<CaldavConfig> = {}
): Effect.Effect<A, E> =>
  makeCaldavCalendar({
    connectorId: "conn-caldav-1",
    serverUrl: radicale.url,
    username: radicale.username,
    password: radicale.password,
    outbound: developmentOutboundGuard,
    ...config
  }).pipe(Effect.flatMap(body), Effect.provide(FetchHttpClient.layer))

const setup = <A>(promise: () => Promise<A>) => Effect.promise(promise)

const iso = (intervals: ReadonlyArray<Interval>) =>
  intervals.map((i) => `${new Date(i.start).toISOString().slice(0, 16)}/${new Date(i.end).toISOString().slice(11, 16)}`)

const range = (from: string, until: string): Interval => ({ start: Date.parse(from), end: Date.parse(until) })

let calendarCounter = 0
/** A fresh calendar with these objects; returns its URL. */
const calendarWith = (objects: Record<string, string>, options: { timezone?: string } = {}) =>
  setup(async () => {
    const url = await radicale.makeCalendar(`cal-${++calendarCounter}`, options)
    for (const [name, ics] of Object.entries(objects)) await radicale.putObject(url, name, ics)
    return url
  })

const rawGet = (url: string) => setup(async () => {
  const response = await radicale.request(url)
  return { status: response.status, body: await response.text(), etag: response.headers.get("etag") }
})

const live = <A, E>(name: string, body: () => Effect.Effect<A, E>) => it.live(name, () => Effect.zipRight(started, Effect.suspend(body)))

describe("CalDAV connector against Radicale", () => {
  live("discovers principal, calendar home and event calendars through /.well-known/caldav", () =>
    Effect.gen(function*() {
      const events = yield* setup(() => radicale.makeCalendar("discover-events", { timezone: BERLIN_CALENDAR_TIMEZONE }))
      const tasks = yield* setup(() => radicale.makeCalendar("discover-tasks", { components: ["VTODO"] }))
      const account = yield* withCalendar((calendar) => calendar.discover)
      expect(account.principalUrl).toBe(`${radicale.url}/alice/`)
      expect(account.homeUrls).toEqual([`${radicale.url}/alice/`])
      const found = account.calendars.find((c) => c.url === events)
      expect(found).toEqual({ url: events, displayName: "discover-events", components: ["VEVENT"], timeZone: "Europe/Berlin" })
      expect(account.calendars.find((c) => c.url === tasks)?.components).toEqual(["VTODO"])
      // A URL with a path is tried as given: the principal URL itself works too.
      const direct = yield* withCalendar((calendar) => calendar.discover, { serverUrl: `${radicale.url}/alice/` })
      expect(direct.principalUrl).toBe(`${radicale.url}/alice/`)
    }))

  live("a wrong app password is ConnectorBroken, and so is plain http to a non-loopback host", () =>
    Effect.gen(function*() {
      const wrong = yield* withCalendar((calendar) => Effect.flip(calendar.discover), { password: "not-it" })
      expect(wrong).toMatchObject({ _tag: "ConnectorBroken", provider: "caldav", connectorId: "conn-caldav-1" })
      const insecure = yield* withCalendar((calendar) => Effect.flip(calendar.busy(range("2025-03-01", "2025-03-02"))), {
        serverUrl: "http://caldav.example.com"
      })
      expect(insecure).toMatchObject({ _tag: "ConnectorBroken", reason: "the CalDAV server URL must use https" })
    }))

  live("a weekly recurrence across the Berlin DST changes keeps its local time", () =>
    Effect.gen(function*() {
      const url = yield* calendarWith({ "spring.ics": WEEKLY_ACROSS_SPRING_DST, "autumn.ics": WEEKLY_ACROSS_AUTUMN_DST })
      const busy = yield* withCalendar((calendar) =>
        Effect.all([
          calendar.busy(range("2025-03-10T00:00:00Z", "2025-04-14T00:00:00Z")),
          calendar.busy(range("2025-10-13T00:00:00Z", "2025-11-10T00:00:00Z"))
        ]), { calendarUrls: [url] })
      // 10:00 Berlin is 09:00Z in CET (UTC+1) and 08:00Z in CEST (UTC+2); CEST starts 30 March 2025.
      expect(iso(busy[0])).toEqual([
        "2025-03-17T09:00/10:00",
        "2025-03-24T09:00/10:00",
        "2025-03-31T08:00/09:00",
        "2025-04-07T08:00/09:00"
      ])
      // CEST ends 26 October 2025: 10:00 Berlin goes from 08:00Z to 09:00Z.
      expect(iso(busy[1])).toEqual([
        "2025-10-20T08:00/08:30",
        "2025-10-27T09:00/09:30",
        "2025-11-03T09:00/09:30"
      ])
    }))

  live("recurring events with exceptions: EXDATE, moved, cancelled and transparent instances", () =>
    Effect.gen(function*() {
      const url = yield* calendarWith({ "standup.ics": STANDUP_WITH_EXCEPTIONS })
      const busy = yield* withCalendar((calendar) => calendar.busy(range("2025-03-03T00:00:00Z", "2025-03-12T00:00:00Z")), {
        calendarUrls: [url]
      })
      expect(iso(busy)).toEqual([
        "2025-03-03T08:00/08:15", // 09:00 CET
        // 4 Mar moved out to 20 Mar; 5 Mar EXDATE
        "2025-03-06T13:00/13:30", // moved to 14:00 CET
        // 7 Mar cancelled; 10 Mar transparent
        "2025-03-11T08:00/08:15",
        "2025-03-11T15:00/15:15" // the 13 Mar instance, pulled forward to 11 Mar 16:00 CET
      ])
      // The instance moved out of March 4 shows up where it went.
      const later = yield* withCalendar((calendar) => calendar.busy(range("2025-03-20T00:00:00Z", "2025-03-21T00:00:00Z")), {
        calendarUrls: [url]
      })
      expect(iso(later)).toEqual(["2025-03-20T08:00/08:15"])
    }))

  live("all-day and floating events are read in the calendar's zone, else the connector's", () =>
    Effect.gen(function*() {
      const objects = { "sunday.ics": ALL_DAY_DST_SUNDAY, "holiday.ics": ALL_DAY_NO_END, "floating.ics": FLOATING_MEETING }
      const berlin = yield* calendarWith(objects, { timezone: BERLIN_CALENDAR_TIMEZONE })
      const unzoned = yield* calendarWith(objects)
      const window = range("2025-03-12T00:00:00Z", "2025-04-04T00:00:00Z")
      const inBerlin = yield* withCalendar((calendar) => calendar.busy(window), { calendarUrls: [berlin], timeZone: "America/New_York" })
      expect(iso(inBerlin)).toEqual([
        "2025-03-12T14:00/15:00", // 15:00 floating, CET
        "2025-03-29T23:00/22:00", // 30 March, 00:00 CET to 31 March 00:00 CEST: 23 hours
        "2025-04-01T22:00/22:00" // 2 April, CEST
      ])
      expect(inBerlin[1]!.end - inBerlin[1]!.start).toBe(23 * 3_600_000)
      // No calendar-timezone: the connector's zone (New York, EDT = UTC-4 since 9 March).
      const inNewYork = yield* withCalendar((calendar) => calendar.busy(window), { calendarUrls: [unzoned], timeZone: "America/New_York" })
      expect(iso(inNewYork)).toEqual(["2025-03-12T19:00/20:00", "2025-03-30T04:00/04:00", "2025-04-02T04:00/04:00"])
    }))

  live("transparent and cancelled events are ignored; tentative ones count; busy is merged and clipped", () =>
    Effect.gen(function*() {
      const url = yield* calendarWith({
        "normal.ics": singleEvent("normal", "20250505T090000", "20250505T100000"),
        "overlapping.ics": singleEvent("overlapping", "20250505T093000", "20250505T110000"),
        "free.ics": singleEvent("free", "20250505T120000", "20250505T130000", ["TRANSP:TRANSPARENT"]),
        "cancelled.ics": singleEvent("cancelled", "20250505T140000", "20250505T150000", ["STATUS:CANCELLED"]),
        "tentative.ics": singleEvent("tentative", "20250505T160000", "20250505T170000", ["STATUS:TENTATIVE"]),
        "edge.ics": singleEvent("edge", "20250505T233000", "20250506T010000")
      })
      const busy = yield* withCalendar((calendar) => calendar.busy(range("2025-05-05T00:00:00Z", "2025-05-05T22:00:00Z")), {
        calendarUrls: [url]
      })
      // CEST (UTC+2): 09:00-11:00 merged; 16:00-17:00 tentative; 23:30 (21:30Z) clipped at 22:00Z.
      expect(iso(busy)).toEqual(["2025-05-05T07:00/09:00", "2025-05-05T14:00/15:00", "2025-05-05T21:30/22:00"])
    }))

  live("a hold appears in Radicale as TENTATIVE, then CONFIRMED, then moves, then is gone after release", () =>
    Effect.gen(function*() {
      const holds = yield* setup(() => radicale.makeCalendar("holds-lifecycle"))
      const hold = {
        bookingId: "bk_01JLIFECYCLE",
        start: Date.parse("2025-06-02T08:00:00Z"),
        end: Date.parse("2025-06-02T08:30:00Z"),
        tz: "Europe/Berlin",
        summary: "Overlap: coffee with bob.example.com"
      }
      yield* withCalendar((calendar) =>
        Effect.gen(function*() {
          const ref = yield* calendar.placeHold(hold)
          expect(ref).toMatchObject({ provider: "caldav", connectorId: "conn-caldav-1", calendarId: holds, eventId: holdResourceName(hold.bookingId) })
          const placed = yield* rawGet(new URL(ref.eventId, holds).href)
          expect(placed.status).toBe(200)
          expect(ref.etag).toBe(placed.etag)
          expect(placed.body).toContain("STATUS:TENTATIVE")
          expect(placed.body).toContain("UID:overlap-hold-bk_01JLIFECYCLE")
          expect(placed.body).toContain("X-OVERLAP-BOOKING-ID:bk_01JLIFECYCLE")
          expect(placed.body).toContain("DTSTART;TZID=Europe/Berlin:20250602T100000") // 08:00Z in CEST
          expect(placed.body).toContain("BEGIN:VTIMEZONE")
          // The hold is busy time like any other event.
          expect(iso(yield* calendar.busy(range("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z")))).toEqual(["2025-06-02T08:00/08:30"])

          const confirmed = yield* calendar.confirmHold(ref)
          const afterConfirm = yield* rawGet(new URL(ref.eventId, holds).href)
          expect(afterConfirm.body).toContain("STATUS:CONFIRMED")
          expect(afterConfirm.body).not.toContain("STATUS:TENTATIVE")
          expect(afterConfirm.body).toContain("SEQUENCE:1")
          expect(confirmed.etag).toBe(afterConfirm.etag)
          expect(confirmed.etag).not.toBe(ref.etag)
          // Confirming again (a retry whose answer was lost) changes nothing.
          expect((yield* calendar.confirmHold(ref)).etag).toBe(afterConfirm.etag)

          const moved = yield* calendar.moveHold(confirmed, { start: Date.parse("2025-06-03T12:00:00Z"), end: Date.parse("2025-06-03T13:00:00Z") })
          const afterMove = yield* rawGet(new URL(ref.eventId, holds).href)
          expect(afterMove.body).toContain("DTSTART;TZID=Europe/Berlin:20250603T140000")
          expect(afterMove.body).toContain("DTEND;TZID=Europe/Berlin:20250603T150000")
          expect(afterMove.body).toContain("STATUS:CONFIRMED")
          expect(moved.etag).toBe(afterMove.etag)
          expect(iso(yield* calendar.busy(range("2025-06-02T00:00:00Z", "2025-06-04T00:00:00Z")))).toEqual(["2025-06-03T12:00/13:00"])

          yield* calendar.releaseHold(moved)
          expect((yield* rawGet(new URL(ref.eventId, holds).href)).status).toBe(404)
          // Releasing what is already gone succeeds; confirming it is HoldGone.
          yield* calendar.releaseHold(moved)
          expect(yield* Effect.flip(calendar.confirmHold(moved))).toMatchObject({ _tag: "HoldGone", provider: "caldav" })
          expect(yield* Effect.flip(calendar.moveHold(moved, { start: hold.start, end: hold.end }))).toMatchObject({ _tag: "HoldGone" })
        }), { calendarUrls: [holds] })
    }))

  live("placeHold is idempotent per booking: a retry returns the existing hold (If-None-Match: * → 412)", () =>
    Effect.gen(function*() {
      const holds = yield* setup(() => radicale.makeCalendar("holds-idempotent"))
      const hold = { bookingId: "bk/needs escaping?", start: Date.parse("2025-06-10T09:00:00Z"), end: Date.parse("2025-06-10T10:00:00Z"), tz: "UTC", summary: "Hold" }
      const [first, second] = yield* withCalendar((calendar) =>
        Effect.zip(calendar.placeHold(hold), calendar.placeHold({ ...hold, summary: "a retry" })), { holdCalendarUrl: holds })
      expect(second).toEqual(first)
      const listing = yield* setup(async () => {
        const response = await radicale.request(holds, { method: "PROPFIND", headers: { depth: "1" } })
        return (await response.text()).match(/\.ics<\/href>/g)?.length ?? 0
      })
      expect(listing).toBe(1)
      const stored = yield* rawGet(new URL(first.eventId, holds).href)
      expect(stored.body).toContain("SUMMARY:Hold")
      expect(stored.body).toContain("DTSTART:20250610T090000Z") // tz UTC: no VTIMEZONE needed
    }))

  live("If-Match: a hold changed underneath is not overwritten (ProviderRejected 412)", () =>
    Effect.gen(function*() {
      const holds = yield* setup(() => radicale.makeCalendar("holds-conflict"))
      const hold = { bookingId: "bk_CONFLICT", start: Date.parse("2025-06-12T09:00:00Z"), end: Date.parse("2025-06-12T10:00:00Z"), tz: "Europe/Berlin", summary: "Hold" }
      yield* withCalendar((calendar) =>
        Effect.gen(function*() {
          const ref = yield* calendar.placeHold(hold)
          const url = new URL(ref.eventId, holds).href
          // The user edits the event in their calendar app.
          const original = yield* rawGet(url)
          yield* setup(() => radicale.putObject(holds, ref.eventId, original.body.replace("SUMMARY:Hold", "SUMMARY:Hold (renamed by me)")))
          const conflict = yield* Effect.flip(calendar.confirmHold(ref))
          expect(conflict).toMatchObject({ _tag: "ProviderRejected", provider: "caldav", status: 412 })
          expect(yield* Effect.flip(calendar.moveHold(ref, { start: hold.start + 3_600_000, end: hold.end + 3_600_000 })))
            .toMatchObject({ _tag: "ProviderRejected", status: 412 })
          const untouched = yield* rawGet(url)
          expect(untouched.body).toContain("STATUS:TENTATIVE")
          expect(untouched.body).toContain("SUMMARY:Hold (renamed by me)")
          // With the current version the confirmation goes through and keeps the user's edit.
          const fresh = new HoldRef({ ...ref, etag: untouched.etag! })
          yield* calendar.confirmHold(fresh)
          const done = yield* rawGet(url)
          expect(done.body).toContain("STATUS:CONFIRMED")
          expect(done.body).toContain("SUMMARY:Hold (renamed by me)")
        }), { holdCalendarUrl: holds })
    }))

  live("a configured calendar that was deleted is ConnectorBroken, not an empty calendar", () =>
    Effect.gen(function*() {
      const error = yield* withCalendar((calendar) => Effect.flip(calendar.busy(range("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"))), {
        calendarUrls: [`${radicale.url}/alice/no-such-calendar/`]
      })
      expect(error).toMatchObject({ _tag: "ConnectorBroken", reason: "the calendar /alice/no-such-calendar/ no longer exists" })
    }))
})
