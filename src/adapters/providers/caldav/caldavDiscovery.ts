import { Effect } from "effect"
import { calendarTimezoneId } from "../../../domain/calendar/icalTime"
import { ConnectorBroken, type ProviderError, ProviderRejected } from "../../../services/CalendarProvider"
import type { DavResponse, DavSession } from "./caldavHttp"
import {
  CALDAV,
  childElements,
  DAV,
  foundProp,
  hrefsIn,
  type MultistatusResponse,
  parseMultistatus,
  propfindCalendarHome,
  propfindCalendars,
  propfindCurrentUserPrincipal,
  propText
} from "./caldavXml"

/**
 * CalDAV service discovery (RFC 6764 §6, RFC 4791 §6, RFC 5397): the context path (the URL the user gave,
 * or /.well-known/caldav), DAV:current-user-principal, CALDAV:calendar-home-set, then the calendar
 * collections in each home with the components they accept and their time zone.
 */

export interface CaldavCalendarInfo {
  /** Collection URL, with a trailing slash. */
  readonly url: string
  readonly displayName: string | undefined
  /** Upper-case component names from supported-calendar-component-set; empty when the server did not say (= all). */
  readonly components: ReadonlyArray<string>
  /** The calendar's IANA zone (CALDAV:calendar-timezone), when it has one tzdb knows. */
  readonly timeZone: string | undefined
}

export interface CaldavAccount {
  readonly principalUrl: string
  readonly homeUrls: ReadonlyArray<string>
  /** Every calendar collection in the homes, in the server's order. */
  readonly calendars: ReadonlyArray<CaldavCalendarInfo>
}

/** Calendars that can hold events (no component set stated means any component). */
export const acceptsEvents = (calendar: CaldavCalendarInfo): boolean =>
  calendar.components.length === 0 || calendar.components.includes("VEVENT")

export const withTrailingSlash = (url: string): string => (url.endsWith("/") ? url : `${url}/`)

const PROVIDER = "caldav"

/** Sends a PROPFIND and reads its 207; any other status is the caller's failure. */
export const propfind = (
  session: DavSession,
  url: string,
  depth: "0" | "1",
  body: string,
  what: string
): Effect.Effect<{ readonly response: DavResponse; readonly responses: Array<MultistatusResponse> }, ProviderError> =>
  Effect.gen(function*() {
    const response = yield* session.send({ method: "PROPFIND", url, depth, body })
    if (response.status !== 207) return yield* session.failure(response, what)
    return { response, responses: yield* readMultistatus(response, what) }
  })

export const readMultistatus = (response: DavResponse, what: string): Effect.Effect<Array<MultistatusResponse>, ProviderRejected> =>
  Effect.try({
    try: () => parseMultistatus(response.body, response.url),
    catch: (error) =>
      new ProviderRejected({
        provider: PROVIDER,
        status: response.status,
        message: `${what}: ${error instanceof Error ? error.message : "unreadable multistatus"}`
      })
  })

const contextPaths = (serverUrl: URL): Array<string> => {
  const wellKnown = new URL("/.well-known/caldav", serverUrl).href
  // A URL with a path (Nextcloud's /remote.php/dav, a principal URL) is tried as given, first.
  return serverUrl.pathname === "/" || serverUrl.pathname === "" ? [wellKnown, serverUrl.href] : [serverUrl.href, wellKnown]
}

const findPrincipal = (session: DavSession, serverUrl: URL, connectorId: string): Effect.Effect<string, ProviderError> =>
  Effect.gen(function*() {
    for (const candidate of contextPaths(serverUrl)) {
      const response = yield* session.send({ method: "PROPFIND", url: candidate, depth: "0", body: propfindCurrentUserPrincipal })
      if (response.status === 401 || response.status === 403 || response.status === 429 || response.status >= 500) {
        return yield* session.failure(response, "PROPFIND current-user-principal")
      }
      if (response.status !== 207) continue
      const responses = yield* readMultistatus(response, "PROPFIND current-user-principal")
      for (const entry of responses) {
        const principal = foundProp(entry, DAV, "current-user-principal")
        const href = principal === undefined ? undefined : hrefsIn(principal, response.url)[0]
        if (href !== undefined) return href
      }
    }
    return yield* new ConnectorBroken({
      provider: PROVIDER,
      connectorId,
      reason: `no CalDAV principal found at ${serverUrl.origin} (tried the given URL and /.well-known/caldav)`
    })
  })

const calendarInfo = (entry: MultistatusResponse): CaldavCalendarInfo | undefined => {
  const resourcetype = foundProp(entry, DAV, "resourcetype")
  if (resourcetype === undefined || childElements(resourcetype, CALDAV, "calendar").length === 0) return undefined
  const componentSet = foundProp(entry, CALDAV, "supported-calendar-component-set")
  const components = componentSet === undefined
    ? []
    : childElements(componentSet, CALDAV, "comp").flatMap((comp) => {
      const name = comp.getAttribute("name")
      return name ? [name.toUpperCase()] : []
    })
  const displayName = propText(entry, DAV, "displayname")?.trim()
  return {
    url: withTrailingSlash(entry.url),
    displayName: displayName === "" ? undefined : displayName,
    components,
    timeZone: calendarTimezoneId(propText(entry, CALDAV, "calendar-timezone"))
  }
}

/** Finds the principal, its calendar homes and their calendars. */
export const discoverAccount = (
  session: DavSession,
  serverUrl: URL,
  connectorId: string
): Effect.Effect<CaldavAccount, ProviderError> =>
  Effect.gen(function*() {
    const principalUrl = yield* findPrincipal(session, serverUrl, connectorId)
    const home = yield* propfind(session, principalUrl, "0", propfindCalendarHome, "PROPFIND calendar-home-set")
    const homeUrls = [
      ...new Set(home.responses.flatMap((entry) => {
        const set = foundProp(entry, CALDAV, "calendar-home-set")
        return set === undefined ? [] : hrefsIn(set, home.response.url).map(withTrailingSlash)
      }))
    ]
    if (homeUrls.length === 0) {
      return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: "the CalDAV principal has no calendar-home-set" })
    }
    const calendars: Array<CaldavCalendarInfo> = []
    for (const homeUrl of homeUrls) {
      const listing = yield* propfind(session, homeUrl, "1", propfindCalendars, "PROPFIND calendar home")
      for (const entry of listing.responses) {
        const info = calendarInfo(entry)
        if (info !== undefined && !calendars.some((known) => known.url === info.url)) calendars.push(info)
      }
    }
    return { principalUrl, homeUrls, calendars }
  })
