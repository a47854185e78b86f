import { developmentOutboundGuard } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { fetchMock } from "cloudflare:test"
import { Effect } from "effect"
import { holdResourceName } from "../../src/domain/calendar/holdEvent"
import { makeCaldavCalendar } from "../../src/adapters/providers/caldav/CaldavCalendar"
import { BERLIN_CALENDAR_TIMEZONE, STANDUP_WITH_EXCEPTIONS } from "./icsFixtures"

/**
 * The CalDAV connector inside workerd: WebDAV methods through workerd's fetch, manual redirects, the XML
 * parser, ical.js and Intl time zones all run in the Workers runtime. The server is scripted with
 * fetchMock (workerd cannot start Radicale); caldav.test.ts covers the protocol against the real thing.
 */

const ORIGIN = "https://dav.example.com"
const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const multistatus = (responses: string) =>
  `<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav">${responses}</d:multistatus>`
const ok = (href: string, props: string) =>
  `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`
const xmlHeaders = { headers: { "content-type": "application/xml; charset=utf-8" } }
const basic = `Basic ${btoa("alice:app-password")}`

beforeAll(() => {
  fetchMock.activate()
  fetchMock.disableNetConnect()
})
afterEach(() => fetchMock.assertNoPendingInterceptors())
// The runtime is shared with other test files (singleWorker): leave outbound fetch as we found it.
afterAll(() => {
  fetchMock.enableNetConnect()
  fetchMock.deactivate()
})

describe("CalDAV connector in workerd", () => {
  it.live("discovers, computes busy time from a calendar-query and places a hold", () =>
    Effect.gen(function*() {
      const dav = fetchMock.get(ORIGIN)
      dav.intercept({ path: "/.well-known/caldav", method: "PROPFIND", headers: { authorization: basic, depth: "0" } })
        .reply(301, "", { headers: { location: "/dav/" } })
      dav.intercept({ path: "/dav/", method: "PROPFIND" })
        .reply(207, multistatus(ok("/dav/", "<d:current-user-principal><d:href>/dav/principals/alice/</d:href></d:current-user-principal>")), xmlHeaders)
      dav.intercept({ path: "/dav/principals/alice/", method: "PROPFIND" })
        .reply(207, multistatus(ok("/dav/principals/alice/", "<cal:calendar-home-set><d:href>/dav/calendars/alice/</d:href></cal:calendar-home-set>")), xmlHeaders)
      dav.intercept({ path: "/dav/calendars/alice/", method: "PROPFIND", headers: { depth: "1" } }).reply(
        207,
        multistatus(
          ok("/dav/calendars/alice/", "<d:resourcetype><d:collection/></d:resourcetype>") +
            ok(
              "/dav/calendars/alice/work/",
              "<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Work</d:displayname>" +
                `<cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>` +
                `<cal:calendar-timezone>${xml(BERLIN_CALENDAR_TIMEZONE)}</cal:calendar-timezone>`
            )
        ),
        xmlHeaders
      )
      dav.intercept({
        path: "/dav/calendars/alice/work/",
        method: "REPORT",
        headers: { depth: "1" },
        body: (body) => body.includes(`<c:time-range start="20250302T000000Z" end="20250313T000000Z"/>`)
      }).reply(
        207,
        multistatus(ok("/dav/calendars/alice/work/standup.ics", `<d:getetag>"1"</d:getetag><cal:calendar-data>${xml(STANDUP_WITH_EXCEPTIONS)}</cal:calendar-data>`)),
        xmlHeaders
      )
      const resource = holdResourceName("bk_workerd")
      dav.intercept({
        path: `/dav/calendars/alice/work/${resource}`,
        method: "PUT",
        headers: { "if-none-match": "*", "content-type": "text/calendar; charset=utf-8" },
        body: (body) => body.includes("STATUS:TENTATIVE") && body.includes("DTSTART;TZID=Europe/Berlin:20250303T100000")
      }).reply(201, "", { headers: { etag: `"hold-1"` } })

      const result = yield* makeCaldavCalendar({
        outbound: developmentOutboundGuard,
        connectorId: "c-workerd",
        serverUrl: ORIGIN,
        username: "alice",
        password: "app-password"
      }).pipe(
        Effect.flatMap((calendar) =>
          Effect.all([
            calendar.busy({ start: Date.parse("2025-03-03T00:00:00Z"), end: Date.parse("2025-03-12T00:00:00Z") }),
            calendar.placeHold({
              bookingId: "bk_workerd",
              start: Date.parse("2025-03-03T09:00:00Z"),
              end: Date.parse("2025-03-03T09:30:00Z"),
              tz: "Europe/Berlin",
              summary: "Overlap hold"
            })
          ])
        ),
        Effect.provide(FetchHttpClient.layer)
      )
      expect(result[0].map((i) => new Date(i.start).toISOString())).toEqual([
        "2025-03-03T08:00:00.000Z",
        "2025-03-06T13:00:00.000Z",
        "2025-03-11T08:00:00.000Z",
        "2025-03-11T15:00:00.000Z"
      ])
      expect(result[1]).toMatchObject({ calendarId: `${ORIGIN}/dav/calendars/alice/work/`, eventId: resource, etag: `"hold-1"` })
    }))
})
