import { HttpClient } from "@effect/platform"
import type { MeetingDetails } from "../../../domain/booking/meetingPlace"
import { Clock, type Duration, Effect, Option, Ref } from "effect"
import {
  BOOKING_ID_PROPERTY,
  buildHoldCalendar,
  holdInterval,
  holdResourceName,
  holdStatus,
  parseHold,
  type ParsedHold,
  withHoldStatus,
  withHoldTimes
} from "../../../domain/calendar/holdEvent"
import type { ExpansionLimits } from "../../../domain/calendar/expansionBudget"
import type { UnexpandedSeries } from "../../../domain/calendar/expansionWarning"
import { collectBusy, UnreadableCalendarObject } from "../../../domain/calendar/icalBusy"
import { mergeBusy, type Span } from "../../../domain/calendar/ranges"
import { DAY_MS } from "../../../domain/slots/civil"
import { type Zone, zoneFor } from "../../../domain/slots/zone"
import {
  ConnectorBroken,
  HoldGone,
  HoldRef,
  type HoldRequest,
  type Interval,
  type ProviderError,
  ProviderRejected
} from "../../../services/CalendarProvider"
import {
  acceptsEvents,
  type CaldavAccount,
  type CaldavCalendarInfo,
  discoverAccount,
  readMultistatus,
  withTrailingSlash
} from "./caldavDiscovery"
import type { OutboundGuard } from "../../../services/OutboundGuard"
import { checkServerUrl, type DavResponse, type DavSession, makeDavSession } from "./caldavHttp"
import { CALDAV, calendarQueryEvents, parseSyncCollection, propText, syncCollection } from "./caldavXml"
import { SyncTokenGone } from "../../../services/ProviderAdapters"
import type { ConnectorCalendar } from "../../../services/ConnectorCalendar"

/**
 * One CalDAV connector (iCloud, Fastmail, Nextcloud, Radicale, any RFC 4791 server) as a
 * ConnectorCalendar: busy time from calendar-query REPORTs expanded here (icalBusy.ts), holds as
 * TENTATIVE VEVENTs (holdEvent.ts) written with conditional requests.
 */

export interface CaldavConfig {
  /** The connector row's id: named in HoldRefs and in ConnectorBroken. */
  readonly connectorId: string
  /** What the user typed: a host ("https://caldav.icloud.com") or a context/principal URL. */
  readonly serverUrl: string
  readonly username: string
  /** An app password: it leaves the TokenVault only for this object's lifetime. */
  readonly password: string
  /** Calendars whose events count as busy; default: every event calendar discovered. */
  readonly calendarUrls?: ReadonlyArray<string>
  /** Where holds are written; default: the first of `calendarUrls`, else the first event calendar discovered. */
  readonly holdCalendarUrl?: string
  /** Zone of floating times and all-day events in calendars that name none (the user's zone); default UTC. */
  readonly timeZone?: string
  readonly requestTimeout?: Duration.DurationInput
  /** Checks every URL before it is requested (src/services/OutboundGuard.ts). */
  readonly outbound: OutboundGuard["Type"]
  /** Calendars queried at once; default 4. */
  readonly concurrency?: number
  /** Bounds on expanding recurring events (per series, per calendar); default DEFAULT_EXPANSION_LIMITS. */
  readonly expansionLimits?: Partial<ExpansionLimits>
}

export interface CaldavCalendar extends ConnectorCalendar {
  /** Principal, homes and calendars (cached after the first success): for connector.start and listConnectors. */
  readonly discover: Effect.Effect<CaldavAccount, ProviderError>
  /** `busy`, and the recurring events that hit an expansion bound and count busy for their whole span. */
  readonly busyReport: (range: Interval) => Effect.Effect<CaldavBusyReport, ProviderError>
  /** Busy time from everything but Overlap's own holds (re-checking a hold against the rest of the calendar). */
  readonly foreignBusy: (range: Interval) => Effect.Effect<ReadonlyArray<Interval>, ProviderError>
  /**
   * What changed in one calendar since `syncToken` (RFC 6578 sync-collection): how many members changed and
   * the token to keep. No token = an initial sync. SyncTokenGone when the server no longer knows the token.
   */
  readonly syncChanges: (calendarUrl: string, syncToken: string | undefined) => Effect.Effect<CaldavSyncResult, ProviderError | SyncTokenGone>
}

export interface CaldavBusyReport {
  readonly intervals: ReadonlyArray<Interval>
  readonly unexpanded: ReadonlyArray<UnexpandedSeries>
}

export interface CaldavSyncResult {
  readonly syncToken: string
  /** Members added, changed or removed since the token (all members on an initial sync). */
  readonly changed: number
}

/** An Overlap hold carries its booking id in this property (holdEvent.ts); matched on the unfolded line start. */
const HOLD_MARKER = new RegExp(`^${BOOKING_ID_PROPERTY}[;:]`, "im")

const PROVIDER = "caldav"
/**
 * The calendar-query asks for a day more on each side: servers evaluate floating and all-day events
 * in a zone of their choosing, and the exact cut is made here, in the calendar's zone.
 */
const QUERY_MARGIN_MS = DAY_MS

const ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

export const makeCaldavCalendar = (config: CaldavConfig): Effect.Effect<CaldavCalendar, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const connectorId = config.connectorId
    const broken = (reason: string) => new ConnectorBroken({ provider: PROVIDER, connectorId, reason })
    const rejected = (status: number, message: string) => new ProviderRejected({ provider: PROVIDER, status, message })

    const serverUrl = checkServerUrl(config.serverUrl, connectorId)
    const session: Effect.Effect<DavSession, ConnectorBroken> = Effect.map(serverUrl, (url) =>
      makeDavSession(client, {
        connectorId,
        serverUrl: url,
        username: config.username,
        password: config.password,
        outbound: config.outbound,
        ...(config.requestTimeout === undefined ? {} : { requestTimeout: config.requestTimeout })
      }))
    const defaultZone: Zone = zoneFor(config.timeZone ?? "UTC") ?? zoneFor("UTC")!

    // Only a success is kept: a failed discovery (server down) is retried on the next call.
    const account = yield* Ref.make(Option.none<CaldavAccount>())
    const discover = Effect.gen(function*() {
      const known = yield* Ref.get(account)
      if (Option.isSome(known)) return known.value
      const found = yield* discoverAccount(yield* session, yield* serverUrl, connectorId)
      yield* Ref.set(account, Option.some(found))
      return found
    })

    const resolve = (url: string) =>
      Effect.flatMap(serverUrl, (base) =>
        Effect.try({
          try: () => withTrailingSlash(new URL(url, base).href),
          catch: () => broken("a configured calendar URL is not a URL")
        }))

    /** The calendars that count, with their zones; a configured calendar the server does not list keeps the default zone. */
    const busyCalendars = Effect.gen(function*() {
      const { calendars } = yield* discover
      if (config.calendarUrls === undefined) {
        const events = calendars.filter(acceptsEvents)
        if (events.length === 0) return yield* broken("the CalDAV account has no event calendars")
        return events
      }
      const wanted = yield* Effect.forEach(config.calendarUrls, resolve)
      return wanted.map((url): CaldavCalendarInfo =>
        calendars.find((calendar) => calendar.url === url) ?? { url, displayName: undefined, components: [], timeZone: undefined }
      )
    })

    const holdCalendarUrl = Effect.gen(function*() {
      const configured = config.holdCalendarUrl ?? config.calendarUrls?.[0]
      if (configured !== undefined) return yield* resolve(configured)
      const first = (yield* discover).calendars.find(acceptsEvents)
      if (first === undefined) return yield* broken("the CalDAV account has no calendar to place holds in")
      return first.url
    })

    const zoneOf = (calendar: CaldavCalendarInfo): Zone =>
      (calendar.timeZone === undefined ? undefined : zoneFor(calendar.timeZone)) ?? defaultZone

    const calendarObjects = (calendar: CaldavCalendarInfo, range: Interval) =>
      Effect.gen(function*() {
        const dav = yield* session
        const response = yield* dav.send({
          method: "REPORT",
          url: calendar.url,
          depth: "1",
          body: calendarQueryEvents(range.start - QUERY_MARGIN_MS, range.end + QUERY_MARGIN_MS)
        })
        if (response.status === 404 || response.status === 410) {
          return yield* broken(`the calendar ${new URL(calendar.url).pathname} no longer exists`)
        }
        if (response.status !== 207) return yield* dav.failure(response, "REPORT calendar-query")
        const entries = yield* readMultistatus(response, "REPORT calendar-query")
        return entries.flatMap((entry) => {
          const data = propText(entry, CALDAV, "calendar-data")
          return data === undefined || data.trim() === "" ? [] : [data]
        })
      })

    const busyWhere = (range: Interval, keep: (object: string) => boolean): Effect.Effect<CaldavBusyReport, ProviderError> =>
      Effect.gen(function*() {
        if (!(range.end > range.start)) return { intervals: [], unexpanded: [] }
        const calendars = yield* busyCalendars
        const perCalendar = yield* Effect.forEach(
          calendars,
          (calendar) => Effect.map(calendarObjects(calendar, range), (objects) => ({ calendar, objects: objects.filter(keep) })),
          { concurrency: config.concurrency ?? 4 }
        )
        const intervals: Array<Span> = []
        const unexpanded: Array<UnexpandedSeries> = []
        for (const { calendar, objects } of perCalendar) {
          const path = new URL(calendar.url).pathname
          // One expansion budget per calendar (collectBusy makes it).
          const report = yield* Effect.try({
            try: () => collectBusy(objects, range, { ...config.expansionLimits, calendarZone: zoneOf(calendar) }, intervals),
            catch: (error) =>
              rejected(207, `calendar ${path}: ${error instanceof UnreadableCalendarObject ? error.message : "unreadable iCalendar"}`)
          })
          for (const limit of report.unexpanded) unexpanded.push({ calendar: path, limit })
        }
        return { intervals: mergeBusy(intervals, range), unexpanded }
      })

    const busyReport = (range: Interval) => busyWhere(range, () => true)
    const busy = (range: Interval) => Effect.map(busyReport(range), (report) => report.intervals)
    const foreignBusy = (range: Interval) => Effect.map(busyWhere(range, (object) => !HOLD_MARKER.test(object)), (report) => report.intervals)

    const syncChanges = (calendarUrl: string, syncToken: string | undefined): Effect.Effect<CaldavSyncResult, ProviderError | SyncTokenGone> =>
      Effect.gen(function*() {
        const dav = yield* session
        const url = yield* resolve(calendarUrl)
        const response = yield* dav.send({ method: "REPORT", url, depth: "0", body: syncCollection(syncToken) })
        // RFC 6578 §3.2: an unknown or expired token fails the DAV:valid-sync-token precondition (403 or 409).
        if (syncToken !== undefined && (response.status === 403 || response.status === 409 || response.status === 412) && /valid-sync-token/.test(response.body)) {
          return yield* new SyncTokenGone({ provider: PROVIDER, calendarId: url })
        }
        if (response.status === 404 || response.status === 410) return yield* broken(`the calendar ${new URL(url).pathname} no longer exists`)
        if (response.status !== 207) return yield* dav.failure(response, "REPORT sync-collection")
        const parsed = yield* Effect.try({
          try: () => parseSyncCollection(response.body, response.url),
          catch: (error) => rejected(207, `REPORT sync-collection: ${error instanceof Error ? error.message : "unreadable multistatus"}`)
        })
        if (parsed.syncToken === undefined) return yield* rejected(207, "REPORT sync-collection: the answer carries no sync-token")
        return { syncToken: parsed.syncToken, changed: parsed.members }
      })

    // --- holds -----------------------------------------------------------------------------------

    const refFor = (calendarUrl: string, resourceName: string, etag: string | undefined) =>
      new HoldRef({
        provider: PROVIDER,
        connectorId,
        calendarId: calendarUrl,
        eventId: resourceName,
        ...(etag === undefined ? {} : { etag })
      })

    const resourceUrl = (ref: HoldRef) =>
      Effect.gen(function*() {
        if (ref.provider !== PROVIDER || ref.connectorId !== connectorId) {
          return yield* rejected(400, `the hold belongs to ${ref.provider} connector ${ref.connectorId}, not to this one`)
        }
        const calendarUrl = yield* resolve(ref.calendarId)
        return new URL(encodeURIComponent(ref.eventId), calendarUrl).href
      })

    interface Fetched {
      readonly hold: ParsedHold
      readonly etag: string | undefined
    }

    /** GET the hold; HoldGone when the resource is gone or no longer holds our event. */
    const fetchHold = (url: string, eventId: string, bookingId?: string): Effect.Effect<Fetched, ProviderError | HoldGone> =>
      Effect.gen(function*() {
        const dav = yield* session
        const response = yield* dav.send({ method: "GET", url, headers: { accept: "text/calendar" } })
        if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId })
        if (response.status !== 200) return yield* dav.failure(response, "GET hold")
        const hold = parseHold(response.body, bookingId)
        if (hold === undefined) return yield* new HoldGone({ provider: PROVIDER, eventId })
        return { hold, etag: response.headers["etag"] }
      })

    /** The ETag a write produced: from the response, or (when the server withholds it) a fresh GET. */
    const etagAfterWrite = (response: DavResponse, url: string, eventId: string) =>
      response.headers["etag"] !== undefined
        ? Effect.succeed<string | undefined>(response.headers["etag"])
        : Effect.map(fetchHold(url, eventId), (fetched) => fetched.etag)

    /** PUT the edited hold only if it is still the version we know (If-Match); 412 means it changed underneath. */
    const putIfMatch = (url: string, eventId: string, body: string, etag: string | undefined, what: string) =>
      Effect.gen(function*() {
        const dav = yield* session
        const response = yield* dav.send({
          method: "PUT",
          url,
          body,
          contentType: ICS_CONTENT_TYPE,
          headers: etag === undefined ? {} : { "if-match": etag }
        })
        if (response.status === 412) {
          return yield* rejected(412, `${what}: the hold changed on the server since it was read (If-Match failed); read it again`)
        }
        if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId })
        if (response.status < 200 || response.status >= 300) return yield* dav.failure(response, what)
        return yield* etagAfterWrite(response, url, eventId)
      })

    const placeHold = (request: HoldRequest): Effect.Effect<HoldRef, ProviderError> =>
      Effect.gen(function*() {
        const dav = yield* session
        const calendarUrl = yield* holdCalendarUrl
        const resourceName = holdResourceName(request.bookingId)
        const url = new URL(resourceName, calendarUrl).href
        const now = yield* Clock.currentTimeMillis
        const body = buildHoldCalendar({ ...request, now })
        for (let attempt = 0; attempt < 2; attempt++) {
          const response = yield* dav.send({
            method: "PUT",
            url,
            body,
            contentType: ICS_CONTENT_TYPE,
            headers: { "if-none-match": "*" }
          })
          if (response.status >= 200 && response.status < 300) {
            const etag = yield* etagAfterWrite(response, url, resourceName).pipe(
              Effect.catchTag("HoldGone", () => Effect.succeed(undefined))
            )
            return refFor(calendarUrl, resourceName, etag)
          }
          if (response.status !== 412) return yield* dav.failure(response, "PUT hold")
          // It exists: a retry of this same placeHold. Adopt the event if it is this booking's hold.
          const existing = yield* Effect.either(fetchHold(url, resourceName, request.bookingId))
          if (existing._tag === "Right") return refFor(calendarUrl, resourceName, existing.right.etag)
          if (existing.left._tag !== "HoldGone") return yield* existing.left
          const raw = yield* dav.send({ method: "GET", url })
          // 404: deleted between our PUT and GET; try once more. Otherwise someone else's event sits there.
          if (raw.status !== 404 && raw.status !== 410) {
            return yield* rejected(412, "another event occupies the hold's resource name")
          }
        }
        return yield* rejected(412, "the hold's resource kept appearing and disappearing")
      })

    /** Confirmed, with where the meeting is as text (LOCATION, URL, DESCRIPTION): CalDAV makes no conferences. */
    const confirmHold = (ref: HoldRef, meeting?: MeetingDetails): Effect.Effect<HoldRef, ProviderError | HoldGone> =>
      Effect.gen(function*() {
        const url = yield* resourceUrl(ref)
        const current = yield* fetchHold(url, ref.eventId)
        // Already confirmed (a retry whose first answer was lost): nothing to write.
        if (holdStatus(current.hold) === "CONFIRMED") return refFor(ref.calendarId, ref.eventId, current.etag)
        const now = yield* Clock.currentTimeMillis
        const etag = yield* putIfMatch(url, ref.eventId, withHoldStatus(current.hold, "CONFIRMED", now, meeting ?? {}), ref.etag ?? current.etag, "confirm hold")
        return refFor(ref.calendarId, ref.eventId, etag)
      })

    const moveHold = (ref: HoldRef, to: Interval): Effect.Effect<HoldRef, ProviderError | HoldGone> =>
      Effect.gen(function*() {
        if (!(to.end > to.start)) return yield* rejected(400, "a hold must end after it starts")
        const url = yield* resourceUrl(ref)
        const current = yield* fetchHold(url, ref.eventId)
        const at = holdInterval(current.hold, defaultZone)
        if (at.start === to.start && at.end === to.end) return refFor(ref.calendarId, ref.eventId, current.etag)
        const now = yield* Clock.currentTimeMillis
        const etag = yield* putIfMatch(url, ref.eventId, withHoldTimes(current.hold, to.start, to.end, now), ref.etag ?? current.etag, "move hold")
        return refFor(ref.calendarId, ref.eventId, etag)
      })

    const releaseHold = (ref: HoldRef): Effect.Effect<void, ProviderError> =>
      Effect.gen(function*() {
        const dav = yield* session
        const response = yield* dav.send({ method: "DELETE", url: yield* resourceUrl(ref) })
        // Gone already is what we wanted.
        if ((response.status >= 200 && response.status < 300) || response.status === 404 || response.status === 410) return
        return yield* dav.failure(response, "DELETE hold")
      })

    return { discover, busy, busyReport, foreignBusy, syncChanges, placeHold, confirmHold, moveHold, releaseHold }
  })

/** For callers that list calendars (connector.start / listConnectors). */
export type { CaldavAccount, CaldavCalendarInfo } from "./caldavDiscovery"
