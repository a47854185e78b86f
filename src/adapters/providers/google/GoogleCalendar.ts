import { HttpClient } from "@effect/platform"
import { Duration, Effect, Either, Schema } from "effect"
import { googleHoldEventId } from "../../../domain/calendar/eventIds"
import {
  chunk,
  distinct,
  GOOGLE_FREEBUSY_MAX_CALENDARS,
  GOOGLE_FREEBUSY_MAX_SPAN_MS,
  mergeBusy,
  splitRange
} from "../../../domain/calendar/ranges"
import { PRODUCTION_BASES, trimBase } from "../../../domain/oauth/providers"
import type { MeetingDetails } from "../../../domain/booking/meetingPlace"
import { CONFERENCE_DATA_VERSION, confirmFields, GoogleConferenceData, meetOf } from "./GoogleConference"
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
 * Google Calendar API v3 for one connector.
 *
 * - busy: `POST /calendar/v3/freeBusy` for "primary" plus the selected calendars, ranges cut into ≤ 90-day
 *   windows and ≤ 50 calendars per call, merged. A calendar that answers `notFound` breaks the connector
 *   (its busy time would silently stop counting otherwise).
 * - a hold is an event with `status: "tentative"`, the booking id in `extendedProperties.private.overlapBookingId`
 *   and a deterministic id (base32hex of the booking id): a repeated insert answers 409 and we adopt the event.
 * - confirm / move read the event first (a hold the user deleted is HoldGone, never resurrected by a PATCH)
 *   and PATCH with `If-Match: <etag>`; release is DELETE, where 404/410 already mean success.
 * - 401 → refresh once; 429 and 403 rate-limit reasons → ProviderRateLimited with Retry-After; 5xx → ProviderUnavailable.
 */

const PROVIDER = "google" as const

/** How often a pending Meet creation is read again, and the first wait (growing by as much each time). */
const MEET_POLLS = 5
const MEET_POLL_MS = 200

export const BOOKING_ID_PROPERTY = "overlapBookingId"

export interface GoogleCalendarOptions extends GoogleApiOptions {
  /** Calendars (Google calendar ids) whose busy time counts besides "primary". */
  readonly calendarIds?: ReadonlyArray<string>
  /** Whether "primary" counts. Default true (false: its owner chose that it does not block). */
  readonly includePrimary?: boolean
  /** The calendar holds are written to. Default "primary". */
  readonly holdCalendarId?: string
  /** freeBusy calls in flight at once. Default 2 (Google allows 600 requests/min/user). */
  readonly concurrency?: number
}

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"])
const BROKEN_REASONS = new Set(["insufficientPermissions", "authError", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"])

/** Google's error body: `{ error: { code, message, errors: [{ domain, reason, message }], status?, details? } }`. */
const googleError = (body: unknown): { readonly reasons: ReadonlyArray<string>; readonly message: string } => {
  const error = (body as { error?: unknown } | undefined)?.error
  if (typeof error !== "object" || error === null) return { reasons: [], message: "" }
  const e = error as { message?: unknown; errors?: unknown; details?: unknown }
  const reasons: Array<string> = []
  for (const list of [e.errors, e.details]) {
    if (Array.isArray(list)) for (const item of list) if (typeof item?.reason === "string") reasons.push(item.reason)
  }
  return { reasons, message: typeof e.message === "string" ? e.message : "" }
}

const GoogleDateTime = Schema.Struct({
  dateTime: Schema.optional(Schema.String),
  date: Schema.optional(Schema.String),
  timeZone: Schema.optional(Schema.String)
})

const GoogleEvent = Schema.Struct({
  id: Schema.String,
  etag: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String),
  start: Schema.optional(GoogleDateTime),
  conferenceData: Schema.optional(GoogleConferenceData),
  hangoutLink: Schema.optional(Schema.String),
  extendedProperties: Schema.optional(
    Schema.Struct({ private: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })) })
  )
})
type GoogleEvent = typeof GoogleEvent.Type

const FreeBusyResponse = Schema.Struct({
  calendars: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      busy: Schema.optional(Schema.Array(Schema.Struct({ start: Schema.String, end: Schema.String }))),
      errors: Schema.optional(Schema.Array(Schema.Struct({ domain: Schema.optional(Schema.String), reason: Schema.String })))
    })
  })
})

const iso = (ms: number): string => new Date(ms).toISOString()

/** What every Google call needs: base URL, connector, token getter, timeouts. */
export interface GoogleApiOptions {
  readonly connectorId: string
  readonly getAccessToken: AccessTokenGetter
  /** Default https://www.googleapis.com (env GOOGLE_API_BASE). */
  readonly apiBase?: string
  readonly requestTimeout?: Duration.DurationInput
  /** Delay reported when a rate-limit answer carries no Retry-After. Default 30 s. */
  readonly rateLimitFallbackMs?: number
}

/** Authorized calls and Google's error vocabulary, shared by the calendar backend and the push helpers. */
export interface GoogleApi {
  readonly base: string
  readonly connectorId: string
  readonly call: (request: ProviderRequest) => Effect.Effect<ProviderResponse, ProviderUnavailable | ConnectorBroken>
  /** What a non-success answer means, for every operation alike. */
  readonly failure: (response: ProviderResponse, what: string) => Effect.Effect<never, ProviderError>
  readonly decode: <A, I>(schema: Schema.Schema<A, I>, response: ProviderResponse, what: string) => Effect.Effect<A, ProviderRejected>
}

export const makeGoogleApi = (options: GoogleApiOptions): Effect.Effect<GoogleApi, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const base = trimBase(options.apiBase ?? PRODUCTION_BASES.googleApi)
    const connectorId = options.connectorId
    const timeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT
    const fallbackMs = options.rateLimitFallbackMs ?? 30_000

    const call = (request: ProviderRequest) =>
      sendAuthorized(PROVIDER, connectorId, options.getAccessToken, (token) =>
        sendProviderRequest(client, PROVIDER, {
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${token}` }
        }, timeout))

    const failure = (response: ProviderResponse, what: string): Effect.Effect<never, ProviderError> =>
      Effect.gen(function* () {
        const { message, reasons } = googleError(response.body)
        if (response.status === 429 || (response.status === 403 && reasons.some((r) => RATE_LIMIT_REASONS.has(r)))) {
          return yield* Effect.flip(rateLimited(PROVIDER, response, fallbackMs))
        }
        if (response.status === 403 && reasons.some((r) => BROKEN_REASONS.has(r))) {
          return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: `${what}: ${message || "insufficient permissions"}` })
        }
        if (isServerError(response.status)) return yield* unavailable(PROVIDER, response, what)
        return yield* new ProviderRejected({ provider: PROVIDER, status: response.status, message: `${what}: ${message || "refused"}` })
      })

    const decode = <A, I>(schema: Schema.Schema<A, I>, response: ProviderResponse, what: string): Effect.Effect<A, ProviderRejected> =>
      Either.match(Schema.decodeUnknownEither(schema)(response.body), {
        onLeft: () => Effect.fail(new ProviderRejected({ provider: PROVIDER, status: response.status, message: `${what}: unexpected response shape` })),
        onRight: Effect.succeed
      })

    return { base, connectorId, call, failure, decode }
  })

export const makeGoogleCalendar = (
  options: GoogleCalendarOptions
): Effect.Effect<ConnectorCalendar, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { base, call, connectorId, decode, failure } = yield* makeGoogleApi(options)
    const holdCalendarId = options.holdCalendarId ?? "primary"
    const calendars = distinct([...(options.includePrimary === false ? [] : ["primary"]), ...(options.calendarIds ?? [])])
    const concurrency = options.concurrency ?? 2

    const eventUrl = (calendarId: string, eventId: string, query = "") =>
      `${base}/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(eventId)}${query}`

    const refOf = (calendarId: string, event: GoogleEvent): HoldRef =>
      new HoldRef({ provider: PROVIDER, connectorId, calendarId, eventId: event.id, etag: event.etag })

    // ---------------------------------------------------------------- busy

    const freeBusyCall = (window: Interval, ids: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      Effect.gen(function* () {
        const response = yield* call({
          method: "POST",
          url: `${base}/calendar/v3/freeBusy`,
          json: { timeMin: iso(window.start), timeMax: iso(window.end), timeZone: "UTC", items: ids.map((id) => ({ id })) }
        })
        if (response.status !== 200) return yield* failure(response, "freeBusy.query")
        const answer = yield* decode(FreeBusyResponse, response, "freeBusy.query")
        const busy: Array<Interval> = []
        for (const id of ids) {
          const entry = answer.calendars[id]
          if (entry === undefined) {
            return yield* new ProviderRejected({ provider: PROVIDER, status: 200, message: "freeBusy.query: a requested calendar is missing from the answer" })
          }
          const reasons = (entry.errors ?? []).map((e) => e.reason)
          if (reasons.includes("notFound")) {
            return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: `calendar ${id} no longer exists or is no longer shared` })
          }
          if (reasons.length > 0) return yield* unavailable(PROVIDER, response, `freeBusy.query calendar error ${reasons.join(",")}`)
          for (const b of entry.busy ?? []) {
            const interval = { start: Date.parse(b.start), end: Date.parse(b.end) }
            if (Number.isNaN(interval.start) || Number.isNaN(interval.end)) {
              return yield* new ProviderRejected({ provider: PROVIDER, status: 200, message: "freeBusy.query: unreadable busy time" })
            }
            busy.push(interval)
          }
        }
        return busy
      })

    const busy = (range: Interval): Effect.Effect<ReadonlyArray<Interval>, ProviderError> =>
      Effect.gen(function* () {
        const calls = splitRange(range, GOOGLE_FREEBUSY_MAX_SPAN_MS).flatMap((window) =>
          chunk(calendars, GOOGLE_FREEBUSY_MAX_CALENDARS).map((ids) => freeBusyCall(window, ids))
        )
        const parts = yield* Effect.all(calls, { concurrency })
        return mergeBusy(parts.flat(), range)
      })

    // ---------------------------------------------------------------- holds

    /** The event, or HoldGone when it was deleted (404/410, or kept as `status: "cancelled"`). */
    const getEvent = (calendarId: string, eventId: string): Effect.Effect<GoogleEvent, ProviderError | HoldGone> =>
      Effect.gen(function* () {
        const response = yield* call({ method: "GET", url: eventUrl(calendarId, eventId) })
        if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId })
        if (response.status !== 200) return yield* failure(response, "events.get")
        const event = yield* decode(GoogleEvent, response, "events.get")
        if (event.status === "cancelled") return yield* new HoldGone({ provider: PROVIDER, eventId })
        return event
      })

    /**
     * PATCH with If-Match on a freshly read event. A 412 (someone changed it in between) re-reads and tries
     * once more; deletion at any point is HoldGone.
     */
    const patchEvent = (
      calendarId: string,
      eventId: string,
      body: (current: GoogleEvent) => Record<string, unknown>,
      what: string,
      query = ""
    ): Effect.Effect<GoogleEvent, ProviderError | HoldGone> => {
      const attempt = (retries: number): Effect.Effect<GoogleEvent, ProviderError | HoldGone> =>
        Effect.gen(function* () {
          const current = yield* getEvent(calendarId, eventId)
          const response = yield* call({
            method: "PATCH",
            url: eventUrl(calendarId, eventId, `?sendUpdates=none${query}`),
            headers: current.etag === undefined ? {} : { "if-match": current.etag },
            json: body(current)
          })
          if (response.status === 412 && retries > 0) return yield* attempt(retries - 1)
          if (response.status === 404 || response.status === 410) return yield* new HoldGone({ provider: PROVIDER, eventId })
          if (response.status !== 200) return yield* failure(response, what)
          return yield* decode(GoogleEvent, response, what)
        })
      return attempt(1)
    }

    const eventTimes = (start: number, end: number, timeZone: string) => ({
      start: { dateTime: iso(start), timeZone },
      end: { dateTime: iso(end), timeZone }
    })

    const placeHold = (hold: HoldRequest): Effect.Effect<HoldRef, ProviderError> =>
      Effect.gen(function* () {
        const eventId = googleHoldEventId(hold.bookingId)
        const fields = {
          summary: hold.summary,
          status: "tentative",
          transparency: "opaque",
          ...eventTimes(hold.start, hold.end, hold.tz),
          extendedProperties: { private: { [BOOKING_ID_PROPERTY]: hold.bookingId } },
          reminders: { useDefault: false }
        }
        const response = yield* call({
          method: "POST",
          url: `${base}/calendar/v3/calendars/${encodeURIComponent(holdCalendarId)}/events?sendUpdates=none`,
          json: { id: eventId, ...fields }
        })
        if (response.status === 200 || response.status === 201) {
          return refOf(holdCalendarId, yield* decode(GoogleEvent, response, "events.insert"))
        }
        if (response.status === 404) {
          return yield* new ConnectorBroken({ provider: PROVIDER, connectorId, reason: `the calendar for holds (${holdCalendarId}) no longer exists` })
        }
        if (response.status !== 409) return yield* failure(response, "events.insert")
        // The id exists already: our earlier attempt (a retry whose answer was lost), or a hold for this
        // booking that was released (Google keeps a deleted event's id, as status "cancelled"). Either way it
        // becomes the requested hold again; an event that belongs to another booking is not ours to touch.
        const existing = yield* call({ method: "GET", url: eventUrl(holdCalendarId, eventId) })
        if (existing.status !== 200) return yield* failure(existing, "events.get (after 409)")
        const event = yield* decode(GoogleEvent, existing, "events.get (after 409)")
        if (event.extendedProperties?.private?.[BOOKING_ID_PROPERTY] !== hold.bookingId) {
          return yield* new ProviderRejected({ provider: PROVIDER, status: 409, message: "events.insert: the hold's event id is taken by another event" })
        }
        const adopted = yield* call({
          method: "PATCH",
          url: eventUrl(holdCalendarId, eventId, "?sendUpdates=none"),
          headers: event.etag === undefined ? {} : { "if-match": event.etag },
          json: fields
        })
        if (adopted.status === 412) return yield* unavailable(PROVIDER, adopted, "events.patch (adopt): changed concurrently")
        if (adopted.status !== 200) return yield* failure(adopted, "events.patch (adopt)")
        return refOf(holdCalendarId, yield* decode(GoogleEvent, adopted, "events.patch (adopt)"))
      })

    /**
     * Confirmed, with where the meeting is; a Meet conference when asked (GoogleConference.ts): a pending
     * creation is read again (events.get) until it is made, up to MEET_POLLS times.
     */
    const confirmHold = (ref: HoldRef, meeting?: MeetingDetails): Effect.Effect<HoldRef, ProviderError | HoldGone> =>
      Effect.gen(function* () {
        let event = yield* patchEvent(
          ref.calendarId,
          ref.eventId,
          (current) => ({ status: "confirmed", ...(meeting === undefined ? {} : confirmFields(current.id, meeting, current.conferenceData)) }),
          "events.patch (confirm)",
          meeting?.createConference !== undefined ? CONFERENCE_DATA_VERSION : ""
        )
        let meet = meetOf(event.conferenceData, event.hangoutLink)
        for (let poll = 0; meet._tag === "pending" && poll < MEET_POLLS; poll++) {
          yield* Effect.sleep(Duration.millis(MEET_POLL_MS * (poll + 1)))
          event = yield* getEvent(ref.calendarId, ref.eventId)
          meet = meetOf(event.conferenceData, event.hangoutLink)
        }
        const confirmed = refOf(ref.calendarId, event)
        return meet._tag === "made" ? new HoldRef({ ...confirmed, conference: meet.conference }) : confirmed
      })

    const moveHold = (ref: HoldRef, to: Interval) =>
      patchEvent(
        ref.calendarId,
        ref.eventId,
        (current) => eventTimes(to.start, to.end, current.start?.timeZone ?? "UTC"),
        "events.patch (move)"
      ).pipe(Effect.map((event) => new HoldRef({ ...refOf(ref.calendarId, event), ...(ref.conference !== undefined ? { conference: ref.conference } : {}) })))

    const releaseHold = (ref: HoldRef): Effect.Effect<void, ProviderError> =>
      Effect.gen(function* () {
        const response = yield* call({ method: "DELETE", url: eventUrl(ref.calendarId, ref.eventId, "?sendUpdates=none") })
        if (response.status === 204 || response.status === 200 || response.status === 404 || response.status === 410) return
        return yield* failure(response, "events.delete")
      })

    return { busy, placeHold, confirmHold, moveHold, releaseHold }
  })
