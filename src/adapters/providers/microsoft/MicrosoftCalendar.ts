import { HttpClient } from "@effect/platform"
import { Duration, Effect, Either, Schema } from "effect"
import { graphHoldTransactionId } from "../../../domain/calendar/eventIds"
import {
  chunk,
  distinct,
  GRAPH_SCHEDULE_MAX_SCHEDULES,
  GRAPH_SCHEDULE_MAX_SPAN_MS,
  mergeBusy,
  splitRange
} from "../../../domain/calendar/ranges"
import { PRODUCTION_BASES, trimBase } from "../../../domain/oauth/providers"
import type { MeetingDetails } from "../../../domain/booking/meetingPlace"
import { confirmFields, GraphOnlineMeeting, teamsOf, wantsTeams } from "./GraphConference"
import { MINUTE_MS } from "../../../domain/slots/civil"
import { zoneFor } from "../../../domain/slots/zone"
import {
  ConnectorBroken,
  HoldGone,
  HoldRef,
  type HoldRequest,
  type Interval,
  type ProviderError,
  ProviderRejected,
  type ProviderUnavailable
} from "../../../services/CalendarProvider"
import type { AccessTokenGetter, ConnectorCalendar } from "../../../services/ConnectorCalendar"
import {
  DEFAULT_REQUEST_TIMEOUT,
  isServerError,
  type ProviderRequest,
  type ProviderResponse,
  rateLimited,
  sendAuthorized,
  sendProviderRequest,
  unavailable
} from "../providerHttp"

/**
 * Microsoft Graph (v1.0) calendars for one connector.
 *
 * - busy: `POST /me/calendar/getSchedule` for the connector's schedules (the user's own address first),
 *   windows shorter than 62 days, at most 20 schedules a call; `busy`, `tentative`, `oof`,
 *   `workingElsewhere` (and `unknown`, to be safe) count as busy, `free` does not.
 * - a hold is an event with `showAs: "tentative"`, `transactionId` derived from the booking id (Graph answers a
 *   repeated POST with the event it already made) and the booking id in a single-value extended property;
 *   confirm PATCHes `showAs: "busy"`, move PATCHes start/end, release DELETEs (404 = already gone).
 * - every request holds one of 4 permits (Outlook allows 4 concurrent requests per mailbox); 401 → refresh once;
 *   429 (and 503 with Retry-After) → ProviderRateLimited; other 5xx → ProviderUnavailable.
 */

const PROVIDER = "microsoft" as const

/** Namespace GUID of Overlap's MAPI named property carrying the booking id. */
export const BOOKING_ID_PROPERTY_ID = "String {8f1c2a4e-5b7d-4e39-9c61-0a2f3d4b5c6e} Name overlapBookingId"

/** Minutes per slot of getSchedule's availabilityView (used only if a schedule answers without items). */
const VIEW_INTERVAL_MINUTES = 15

export interface MicrosoftCalendarOptions extends GraphApiOptions {
  /** SMTP addresses whose free/busy counts; the user's own mailbox address first (GET /me/calendar → owner). */
  readonly schedules: ReadonlyArray<string>
  /** Calendar id for holds; the mailbox's default calendar when absent. */
  readonly holdCalendarId?: string
}

/** Graph's error body: `{ error: { code, message, innerError } }`. */
const graphError = (body: unknown): { readonly code: string; readonly message: string } => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  return {
    code: typeof error?.code === "string" ? error.code : "",
    message: typeof error?.message === "string" ? error.message : ""
  }
}

const DateTimeTimeZone = Schema.Struct({ dateTime: Schema.String, timeZone: Schema.optional(Schema.String) })

const ScheduleResponse = Schema.Struct({
  value: Schema.Array(
    Schema.Struct({
      scheduleId: Schema.String,
      availabilityView: Schema.optional(Schema.String),
      scheduleItems: Schema.optional(Schema.Array(Schema.Struct({ status: Schema.String, start: DateTimeTimeZone, end: DateTimeTimeZone }))),
      error: Schema.optional(Schema.Struct({ message: Schema.optional(Schema.String), responseCode: Schema.optional(Schema.String) }))
    })
  )
})

const GraphEvent = Schema.Struct({ id: Schema.String, "@odata.etag": Schema.optional(Schema.String), ...GraphOnlineMeeting.fields })
type GraphEvent = typeof GraphEvent.Type

const FREE_STATUSES = new Set(["free"])

/** A wall-clock timestamp as Graph writes it: `YYYY-MM-DDTHH:mm:ss(.fffffff)`, no offset. */
const wallString = (wall: number): string => new Date(wall).toISOString().slice(0, 19)

/** Graph `dateTimeTimeZone` in UTC, or in an IANA zone when the platform knows it. */
const graphDateTime = (instant: number, timeZone: string): { dateTime: string; timeZone: string } => {
  const zone = timeZone === "UTC" ? undefined : zoneFor(timeZone)
  return zone === undefined ? { dateTime: wallString(instant), timeZone: "UTC" } : { dateTime: wallString(zone.wallAt(instant)), timeZone: zone.id }
}

/** A Graph `dateTimeTimeZone` back to an instant; undefined when the zone is not one we can read. */
export const instantOfGraphDateTime = (value: { readonly dateTime: string; readonly timeZone?: string | undefined }): number | undefined => {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$/.exec(value.dateTime)
  if (match === null) return undefined
  const wall = Date.parse(`${match[1]}Z`) + Math.floor(Number(`0.${match[2] ?? "0"}`) * 1000)
  const tz = value.timeZone ?? "UTC"
  if (tz === "UTC" || tz === "Etc/UTC" || tz === "tzone://Microsoft/Utc") return wall
  const zone = zoneFor(tz)
  return zone === undefined ? undefined : zone.instantOf(wall)
}

/** What every Graph call needs. */
export interface GraphApiOptions {
  readonly connectorId: string
  readonly getAccessToken: AccessTokenGetter
  /** Default https://graph.microsoft.com/v1.0 (env GRAPH_API_BASE). */
  readonly apiBase?: string
  readonly requestTimeout?: Duration.DurationInput
  /** Delay reported when a throttling answer carries no Retry-After. Default 30 s. */
  readonly rateLimitFallbackMs?: number
  /** Requests in flight against the mailbox at once. Default 4 (Outlook's per-mailbox limit). */
  readonly maxConcurrent?: number
}

/** Authorized, mailbox-throttled calls and Graph's error vocabulary, shared by the backend and the push helpers. */
export interface GraphApi {
  readonly base: string
  readonly connectorId: string
  readonly call: (request: ProviderRequest) => Effect.Effect<ProviderResponse, ProviderUnavailable | ConnectorBroken>
  readonly failure: (response: ProviderResponse, what: string) => Effect.Effect<never, ProviderError>
  readonly decode: <A, I>(schema: Schema.Schema<A, I>, response: ProviderResponse, what: string) => Effect.Effect<A, ProviderRejected>
}

export const makeGraphApi = (options: GraphApiOptions): Effect.Effect<GraphApi, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const base = trimBase(options.apiBase ?? PRODUCTION_BASES.graphApi)
    const connectorId = options.connectorId
    const timeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT
    const fallbackMs = options.rateLimitFallbackMs ?? 30_000
    // One mailbox, one semaphore: every HTTP call (not every operation) takes a permit, so nested calls cannot deadlock.
    const mailbox = yield* Effect.makeSemaphore(options.maxConcurrent ?? 4)

    const call = (request: ProviderRequest) =>
      sendAuthorized(PROVIDER, connectorId, options.getAccessToken, (token) =>
        mailbox.withPermits(1)(
          sendProviderRequest(client, PROVIDER, {
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${token}` }
          }, timeout)
        ))

    const failure = (response: ProviderResponse, what: string): Effect.Effect<never, ProviderError> =>
      Effect.gen(function* () {
        const { code, message } = graphError(response.body)
        if (response.status === 429 || (response.status === 503 && response.headers["retry-after"] !== undefined)) {
          return yield* Effect.flip(rateLimited(PROVIDER, response, fallbackMs))
        }
        if (response.status === 403) {
          // No permission (consent withdrawn, scope missing) or no Exchange Online mailbox: the user must act.
          return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: `${what}: ${code || "forbidden"} ${message}`.trim() })
        }
        if (isServerError(response.status)) return yield* unavailable(PROVIDER, response, what)
        return yield* new ProviderRejected({ provider: PROVIDER, status: response.status, message: `${what}: ${code || "refused"}` })
      })

    const decode = <A, I>(schema: Schema.Schema<A, I>, response: ProviderResponse, what: string): Effect.Effect<A, ProviderRejected> =>
      Either.match(Schema.decodeUnknownEither(schema)(response.body), {
        onLeft: () => Effect.fail(new ProviderRejected({ provider: PROVIDER, status: response.status, message: `${what}: unexpected response shape` })),
        onRight: Effect.succeed
      })

    return { base, connectorId, call, failure, decode }
  })

export const makeMicrosoftCalendar = (
  options: MicrosoftCalendarOptions
): Effect.Effect<ConnectorCalendar, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { base, call, connectorId, decode, failure } = yield* makeGraphApi(options)
    const schedules = distinct(options.schedules)
    const calendarPath = options.holdCalendarId === undefined ? "/me/calendar" : `/me/calendars/${encodeURIComponent(options.holdCalendarId)}`
    const holdCalendarId = options.holdCalendarId ?? "default"

    const refOf = (event: GraphEvent): HoldRef =>
      new HoldRef({ provider: PROVIDER, connectorId, calendarId: holdCalendarId, eventId: event.id, etag: event["@odata.etag"] })

    const eventUrl = (eventId: string) => `${base}/me/events/${encodeURIComponent(eventId)}`

    // ---------------------------------------------------------------- busy

    const scheduleCall = (window: Interval, ids: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      Effect.gen(function* () {
        const response = yield* call({
          method: "POST",
          url: `${base}/me/calendar/getSchedule`,
          headers: { prefer: 'outlook.timezone="UTC"' },
          json: {
            schedules: ids,
            startTime: graphDateTime(window.start, "UTC"),
            endTime: graphDateTime(window.end, "UTC"),
            availabilityViewInterval: VIEW_INTERVAL_MINUTES
          }
        })
        if (response.status !== 200) return yield* failure(response, "calendar.getSchedule")
        const answer = yield* decode(ScheduleResponse, response, "calendar.getSchedule")
        const busy: Array<Interval> = []
        for (const id of ids) {
          const info = answer.value.find((v) => v.scheduleId.toLowerCase() === id.toLowerCase())
          if (info === undefined) {
            return yield* new ProviderRejected({ provider: PROVIDER, status: 200, message: "calendar.getSchedule: a requested schedule is missing from the answer" })
          }
          if (info.error !== undefined) {
            const code = info.error.responseCode ?? "error"
            if (/notfound/i.test(code)) {
              return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: `schedule ${id} not found (${code})` })
            }
            return yield* unavailable(PROVIDER, response, `calendar.getSchedule schedule error ${code}`)
          }
          if (info.scheduleItems !== undefined) {
            for (const item of info.scheduleItems) {
              if (FREE_STATUSES.has(item.status.toLowerCase())) continue
              const start = instantOfGraphDateTime(item.start)
              const end = instantOfGraphDateTime(item.end)
              if (start === undefined || end === undefined) {
                return yield* new ProviderRejected({ provider: PROVIDER, status: 200, message: "calendar.getSchedule: unreadable item time" })
              }
              busy.push({ start, end })
            }
          } else if (info.availabilityView !== undefined) {
            // No items (free/busy-only access): the coarse view, each digit one interval; 0 is free.
            const step = VIEW_INTERVAL_MINUTES * MINUTE_MS
            for (let i = 0; i < info.availabilityView.length; i++) {
              if (info.availabilityView[i] !== "0") busy.push({ start: window.start + i * step, end: window.start + (i + 1) * step })
            }
          }
        }
        return busy
      })

    const busy = (range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      Effect.gen(function* () {
        if (schedules.length === 0) {
          return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: "no schedule (mailbox address) configured" })
        }
        const calls = splitRange(range, GRAPH_SCHEDULE_MAX_SPAN_MS).flatMap((window) =>
          chunk(schedules, GRAPH_SCHEDULE_MAX_SCHEDULES).map((ids) => scheduleCall(window, ids))
        )
        const parts = yield* Effect.all(calls, { concurrency: "unbounded" }) // the mailbox semaphore bounds it
        return mergeBusy(parts.flat(), range)
      })

    // ---------------------------------------------------------------- holds

    const placeHold = (hold: HoldRequest): Effect.Effect<HoldRef, ProviderError> =>
      Effect.gen(function* () {
        const response = yield* call({
          method: "POST",
          url: `${base}${calendarPath}/events`,
          json: {
            subject: hold.summary,
            start: graphDateTime(hold.start, hold.tz),
            end: graphDateTime(hold.end, hold.tz),
            showAs: "tentative",
            isReminderOn: false,
            transactionId: graphHoldTransactionId(hold.bookingId),
            singleValueExtendedProperties: [{ id: BOOKING_ID_PROPERTY_ID, value: hold.bookingId }]
          }
        })
        if (response.status === 404) {
          return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: "the calendar for holds no longer exists" })
        }
        if (response.status !== 201 && response.status !== 200) return yield* failure(response, "events.create")
        return refOf(yield* decode(GraphEvent, response, "events.create"))
      })

    const patchEvent = (ref: HoldRef, body: Record<string, unknown>, what: string): Effect.Effect<GraphEvent, ProviderError | HoldGone> =>
      Effect.gen(function* () {
        const response = yield* call({ method: "PATCH", url: eventUrl(ref.eventId), json: body })
        if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId: ref.eventId })
        if (response.status !== 200) return yield* failure(response, what)
        return yield* decode(GraphEvent, response, what)
      })

    /** Busy, with where the meeting is; a Teams meeting when asked (GraphConference.ts), its join link read back once if the answer lacks it. */
    const confirmHold = (ref: HoldRef, meeting?: MeetingDetails): Effect.Effect<HoldRef, ProviderError | HoldGone> =>
      Effect.gen(function* () {
        const event = yield* patchEvent(ref, { showAs: "busy", ...confirmFields(meeting) }, "events.update (confirm)")
        let teams = teamsOf(event)
        if (teams === undefined && wantsTeams(meeting)) {
          const response = yield* call({ method: "GET", url: `${eventUrl(ref.eventId)}?$select=isOnlineMeeting,onlineMeeting` })
          if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId: ref.eventId })
          if (response.status !== 200) return yield* failure(response, "events.get (online meeting)")
          teams = teamsOf(yield* decode(GraphOnlineMeeting, response, "events.get (online meeting)"))
        }
        return teams === undefined ? refOf(event) : new HoldRef({ ...refOf(event), conference: teams })
      })

    // HoldRef carries no zone, so a moved event is written in UTC; Outlook shows it in the user's own zone.
    const moveHold = (ref: HoldRef, to: Interval) =>
      patchEvent(ref, { start: graphDateTime(to.start, "UTC"), end: graphDateTime(to.end, "UTC") }, "events.update (move)").pipe(
        Effect.map((event) => new HoldRef({ ...refOf(event), ...(ref.conference !== undefined ? { conference: ref.conference } : {}) }))
      )

    const releaseHold = (ref: HoldRef): Effect.Effect<void, ProviderError> =>
      Effect.gen(function* () {
        const response = yield* call({ method: "DELETE", url: eventUrl(ref.eventId) })
        if (response.status === 204 || response.status === 200 || response.status === 404 || response.status === 410) return
        return yield* failure(response, "events.delete")
      })

    return { busy, placeHold, confirmHold, moveHold, releaseHold }
  })
