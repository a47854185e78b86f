import {
  bearerToken,
  checkAuthorizeQuery,
  type FakeServer,
  formBody,
  isIanaZone,
  isRfc3339,
  jsonBody,
  Malformed,
  malformedUnless,
  noBody,
  randomToken,
  type RecordedRequest,
  type Reply,
  s256,
  startFakeServer
} from "./fakeServer"

/**
 * A local stand-in for Google's OAuth 2.0 server and Calendar API v3, built from the documented request and
 * response shapes (freeBusy.query, events insert/get/patch/delete/list/watch, channels.stop, calendarList,
 * token + revoke endpoints, the JSON error bodies). Every request is checked the way Google would check it —
 * bearer token, content type, body shape, query values, PKCE — and a malformed one is answered 400 and
 * recorded in `malformed`, so tests can assert there were none.
 */

export const GOOGLE_CLIENT = { id: "google-client-id.apps.googleusercontent.com", secret: "google-client-secret" } as const

export const GOOGLE_SCOPE_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
export const GOOGLE_SCOPE_EVENTS_OWNED = "https://www.googleapis.com/auth/calendar.events.owned"
export const GOOGLE_SCOPE_CALENDARLIST = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"

export interface FakeGoogleEvent {
  id: string
  etag: string
  status: "confirmed" | "tentative" | "cancelled"
  summary?: string
  start: { dateTime: string; timeZone?: string }
  end: { dateTime: string; timeZone?: string }
  transparency?: "opaque" | "transparent"
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> }
  reminders?: unknown
  location?: string
  description?: string
  /** Google Meet data (events.patch with conferenceData.createRequest and conferenceDataVersion=1). */
  conferenceData?: FakeConferenceData
  hangoutLink?: string
  /** Change sequence number, for events.list with syncToken. */
  seq: number
}

/** An event's conferenceData as Calendar API v3 documents it (a hangoutsMeet solution). */
export interface FakeConferenceData {
  createRequest: { requestId: string; conferenceSolutionKey: { type: string }; status: { statusCode: "pending" | "success" | "failure" } }
  conferenceId?: string
  conferenceSolution?: { key: { type: string }; name: string; iconUri: string }
  entryPoints?: Array<{ entryPointType: "video" | "phone" | "more"; uri: string; label?: string }>
}

interface FakeCalendar {
  readonly id: string
  readonly summary: string
  readonly primary: boolean
  readonly accessRole: string
  readonly events: Map<string, FakeGoogleEvent>
}

export interface FakeChannel {
  readonly id: string
  readonly resourceId: string
  readonly calendarId: string
  readonly address: string
  readonly token: string | undefined
  readonly expiration: number
  messageNumber: number
}

export interface FakeGoogle extends FakeServer {
  readonly primaryId: string
  readonly calendars: Map<string, FakeCalendar>
  readonly channels: Map<string, FakeChannel>
  /** Access tokens → expiry; refresh tokens that still work. */
  readonly accessTokens: Map<string, number>
  readonly refreshTokens: Set<string>
  /** Scopes the simulated user grants at the consent screen (default: all requested). */
  grantScopes: (requested: ReadonlyArray<string>) => ReadonlyArray<string>
  /** Tokens as if the user had connected already. */
  readonly issueTokens: () => { accessToken: string; refreshToken: string }
  readonly expireAccessToken: (token: string) => void
  readonly revokeRefreshToken: (token: string) => void
  readonly addCalendar: (id: string, summary?: string) => void
  /** A foreign (non-Overlap) event that makes the calendar busy. */
  readonly addBusy: (calendarId: string, start: number, end: number, options?: { transparent?: boolean; status?: FakeGoogleEvent["status"] }) => string
  readonly event: (calendarId: string, eventId: string) => FakeGoogleEvent | undefined
  /** How many reads of an event still see its Meet creation pending (default 1: the PATCH answer and one events.get). */
  meetPendingReads: number
  /** Every Meet create request the fake received (requestId), including repeats. */
  readonly meetRequests: Array<string>
  /** Makes every sync token issued so far invalid (410 fullSyncRequired). */
  readonly expireSyncTokens: () => void
  /** The next request to a matching path answers Google's rate-limit error with this Retry-After. */
  readonly rateLimitNext: (path: RegExp, options?: { status?: 403 | 429; retryAfter?: string; reason?: string; times?: number }) => void
  /** POSTs a push notification for the channel to its address, as Google does; resolves to the status answered. */
  readonly notify: (channelId: string, state: "sync" | "exists" | "not_exists", token?: string) => Promise<number>
}

const googleError = (code: number, reason: string, message: string, domain = "global") => ({
  error: { errors: [{ domain, reason, message }], code, message }
})

const DAY = 86_400_000

export const startFakeGoogle = async (options: { readonly primaryId?: string } = {}): Promise<FakeGoogle> => {
  const primaryId = options.primaryId ?? "alice@example.com"
  const calendars = new Map<string, FakeCalendar>()
  const channels = new Map<string, FakeChannel>()
  const accessTokens = new Map<string, number>()
  const refreshTokens = new Set<string>()
  const codes = new Map<string, { challenge: string; redirectUri: string; scopes: ReadonlyArray<string>; offline: boolean }>()
  let seq = 0
  let syncValidFrom = 0
  let etagCounter = 0
  const nextEtag = () => `"${++etagCounter}"`

  const addCalendar = (id: string, summary = id, primary = false) => {
    calendars.set(id, { id, summary, primary, accessRole: "owner", events: new Map() })
  }
  addCalendar(primaryId, "Alice", true)

  const calendarOf = (id: string) => calendars.get(id === "primary" ? primaryId : id)

  const issueAccessToken = () => {
    const token = randomToken("ya29")
    accessTokens.set(token, Date.now() + 3_600_000)
    return token
  }

  const authorized = (request: RecordedRequest): Reply | undefined => {
    const token = bearerToken(request)
    const expiry = accessTokens.get(token)
    if (expiry === undefined || expiry < Date.now()) {
      return { status: 401, headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' }, body: {
        error: { errors: [{ domain: "global", reason: "authError", message: "Invalid Credentials", locationType: "header", location: "Authorization" }], code: 401, message: "Invalid Credentials" }
      } }
    }
    return undefined
  }

  const checkSendUpdates = (request: RecordedRequest) => {
    const value = request.query.get("sendUpdates")
    malformedUnless(value === null || ["all", "externalOnly", "none"].includes(value), `sendUpdates=${value} is not allowed`)
  }

  const checkEventFields = (body: Record<string, unknown>, insert: boolean) => {
    if (insert || "start" in body || "end" in body) {
      for (const key of ["start", "end"] as const) {
        const t = body[key] as { dateTime?: unknown; timeZone?: unknown } | undefined
        malformedUnless(typeof t === "object" && t !== null, `${key} must be an object`)
        malformedUnless(isRfc3339(t!.dateTime), `${key}.dateTime must be RFC 3339 with an offset`)
        malformedUnless(t!.timeZone === undefined || isIanaZone(t!.timeZone), `${key}.timeZone must be an IANA zone`)
      }
      malformedUnless(
        Date.parse((body.end as { dateTime: string }).dateTime) > Date.parse((body.start as { dateTime: string }).dateTime),
        "end must be after start"
      )
    }
    if ("id" in body) malformedUnless(typeof body.id === "string" && /^[a-v0-9]{5,1024}$/.test(body.id), "id must be 5–1024 base32hex characters")
    if ("status" in body) malformedUnless(["confirmed", "tentative", "cancelled"].includes(body.status as string), "bad status")
    if ("transparency" in body) malformedUnless(["opaque", "transparent"].includes(body.transparency as string), "bad transparency")
    if ("summary" in body) malformedUnless(typeof body.summary === "string", "summary must be a string")
    if ("extendedProperties" in body) {
      const ep = body.extendedProperties as Record<string, unknown>
      malformedUnless(typeof ep === "object" && ep !== null, "extendedProperties must be an object")
      for (const scope of Object.keys(ep)) {
        malformedUnless(scope === "private" || scope === "shared", `extendedProperties.${scope} is not a thing`)
        for (const v of Object.values(ep[scope] as Record<string, unknown>)) malformedUnless(typeof v === "string", "extended property values are strings")
      }
    }
    if ("location" in body) malformedUnless(typeof body.location === "string", "location must be a string")
    if ("description" in body) malformedUnless(typeof body.description === "string", "description must be a string")
    if ("conferenceData" in body) {
      const data = body.conferenceData as { createRequest?: { requestId?: unknown; conferenceSolutionKey?: { type?: unknown } } } | null
      malformedUnless(typeof data === "object" && data !== null && typeof data.createRequest === "object", "conferenceData must carry a createRequest")
      malformedUnless(typeof data!.createRequest!.requestId === "string" && data!.createRequest!.requestId.length > 0, "createRequest.requestId is required")
      malformedUnless(["hangoutsMeet", "eventHangout", "eventNamedHangout", "addOn"].includes(data!.createRequest!.conferenceSolutionKey?.type as string), "createRequest.conferenceSolutionKey.type is not a solution")
    }
    const known = new Set(["id", "summary", "status", "start", "end", "transparency", "extendedProperties", "reminders", "description", "location", "conferenceData"])
    for (const key of Object.keys(body)) malformedUnless(known.has(key), `unexpected event field ${key}`)
  }

  /** Meet creation is asynchronous: pending for `meetPendingReads` reads, then made (entryPoints, hangoutLink). */
  const meetReads = new Map<string, number>()
  const advanceMeet = (e: FakeGoogleEvent) => {
    const data = e.conferenceData
    if (data === undefined || data.createRequest.status.statusCode !== "pending") return
    const reads = (meetReads.get(e.id) ?? 0) + 1
    meetReads.set(e.id, reads)
    if (reads <= fake.meetPendingReads) return
    const code = `${randomToken("m").slice(-3)}-${randomToken("m").slice(-4)}-${randomToken("m").slice(-3)}`.toLowerCase().replace(/[^a-z-]/g, "q")
    data.createRequest.status.statusCode = "success"
    data.conferenceId = code
    data.conferenceSolution = { key: { type: "hangoutsMeet" }, name: "Google Meet", iconUri: "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png" }
    data.entryPoints = [{ entryPointType: "video", uri: `https://meet.google.com/${code}`, label: `meet.google.com/${code}` }]
    e.hangoutLink = `https://meet.google.com/${code}`
  }

  const eventJson = (calendarId: string, e: FakeGoogleEvent) => {
    advanceMeet(e)
    const { seq: _seq, ...rest } = e
    return { kind: "calendar#event", ...rest, organizer: { email: calendarId, self: true } }
  }

  const handler = async (request: RecordedRequest, fault: () => Reply | undefined): Promise<Reply> => {
    const { method, path, query } = request

    // ---------------------------------------------------------------- OAuth
    if (path === "/o/oauth2/v2/auth") {
      malformedUnless(method === "GET", "authorize is a GET")
      const checked = checkAuthorizeQuery(query, {
        clientId: GOOGLE_CLIENT.id,
        requiredScopes: [GOOGLE_SCOPE_FREEBUSY, GOOGLE_SCOPE_EVENTS_OWNED, GOOGLE_SCOPE_CALENDARLIST]
      })
      const granted = fake.grantScopes(checked.scopes)
      const code = randomToken("4/0code")
      codes.set(code, { challenge: checked.challenge, redirectUri: checked.redirectUri, scopes: granted, offline: query.get("access_type") === "offline" })
      const location = new URL(checked.redirectUri)
      location.searchParams.set("state", checked.state)
      location.searchParams.set("code", code)
      location.searchParams.set("scope", granted.join(" "))
      return { status: 302, headers: { location: location.toString() } }
    }
    if (path === "/token") {
      malformedUnless(method === "POST", "token is a POST")
      const form = formBody(request)
      malformedUnless(form.get("client_id") === GOOGLE_CLIENT.id, "client_id missing or wrong")
      if (form.get("client_secret") !== GOOGLE_CLIENT.secret) return { status: 401, body: { error: "invalid_client", error_description: "Unauthorized" } }
      const grantType = form.get("grant_type")
      if (grantType === "authorization_code") {
        const code = form.get("code")
        const verifier = form.get("code_verifier")
        malformedUnless(code !== null && code !== "", "code missing")
        malformedUnless(verifier !== null && /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier), "code_verifier missing or not RFC 7636")
        malformedUnless(form.get("redirect_uri") !== null, "redirect_uri missing")
        const issued = codes.get(code!)
        const faulted = fault()
        if (faulted !== undefined) return faulted
        if (issued === undefined) return { status: 400, body: { error: "invalid_grant", error_description: "Malformed auth code." } }
        codes.delete(code!)
        if (form.get("redirect_uri") !== issued.redirectUri) return { status: 400, body: { error: "redirect_uri_mismatch", error_description: "Bad Request" } }
        if ((await s256(verifier!)) !== issued.challenge) return { status: 400, body: { error: "invalid_grant", error_description: "Invalid code verifier." } }
        const accessToken = issueAccessToken()
        const refreshToken = issued.offline ? randomToken("1//rt") : undefined
        if (refreshToken !== undefined) refreshTokens.add(refreshToken)
        return { status: 200, body: { access_token: accessToken, expires_in: 3599, scope: issued.scopes.join(" "), token_type: "Bearer", ...(refreshToken ? { refresh_token: refreshToken } : {}) } }
      }
      if (grantType === "refresh_token") {
        const refreshToken = form.get("refresh_token")
        malformedUnless(refreshToken !== null && refreshToken !== "", "refresh_token missing")
        malformedUnless(form.get("code_verifier") === null && form.get("code") === null, "refresh grant carries no code / verifier")
        const faulted = fault()
        if (faulted !== undefined) return faulted
        if (!refreshTokens.has(refreshToken!)) return { status: 400, body: { error: "invalid_grant", error_description: "Token has been expired or revoked." } }
        return { status: 200, body: { access_token: issueAccessToken(), expires_in: 3599, scope: `${GOOGLE_SCOPE_FREEBUSY} ${GOOGLE_SCOPE_EVENTS_OWNED} ${GOOGLE_SCOPE_CALENDARLIST}`, token_type: "Bearer" } }
      }
      throw new Malformed(`grant_type ${grantType} not supported`)
    }
    if (path === "/revoke") {
      malformedUnless(method === "POST", "revoke is a POST")
      const token = formBody(request).get("token")
      malformedUnless(token !== null && token !== "", "token missing")
      if (refreshTokens.delete(token!) || accessTokens.delete(token!)) return { status: 200, body: {} }
      return { status: 400, body: { error: "invalid_token", error_description: "Token expired or revoked" } }
    }

    // ---------------------------------------------------------------- Calendar API
    malformedUnless(path.startsWith("/calendar/v3/"), `unknown path ${path}`)
    const denied = authorized(request)
    if (denied !== undefined) return denied

    if (path === "/calendar/v3/freeBusy") {
      malformedUnless(method === "POST", "freeBusy is a POST")
      const body = jsonBody(request)
      malformedUnless(isRfc3339(body.timeMin) && isRfc3339(body.timeMax), "timeMin / timeMax must be RFC 3339")
      const min = Date.parse(body.timeMin as string)
      const max = Date.parse(body.timeMax as string)
      if (max <= min) return { status: 400, body: googleError(400, "timeRangeEmpty", "The specified time range is empty.", "calendar") }
      malformedUnless(max - min <= 90 * DAY, "time range longer than 90 days")
      malformedUnless(body.timeZone === undefined || isIanaZone(body.timeZone), "timeZone must be an IANA zone")
      const items = body.items as Array<{ id?: unknown }>
      malformedUnless(Array.isArray(items) && items.length >= 1 && items.length <= 50, "items must hold 1–50 calendars")
      for (const item of items) malformedUnless(typeof item?.id === "string" && Object.keys(item).length === 1, "items[] must be { id }")
      const faulted = fault()
      if (faulted !== undefined) return faulted
      const result: Record<string, unknown> = {}
      for (const { id } of items as Array<{ id: string }>) {
        const calendar = calendarOf(id)
        if (calendar === undefined) {
          result[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] }
          continue
        }
        const busy = [...calendar.events.values()]
          .filter((e) => e.status !== "cancelled" && e.transparency !== "transparent")
          .map((e) => ({ start: Math.max(min, Date.parse(e.start.dateTime)), end: Math.min(max, Date.parse(e.end.dateTime)) }))
          .filter((b) => b.end > b.start)
          .sort((a, b) => a.start - b.start)
          .map((b) => ({ start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() }))
        result[id] = { busy }
      }
      return { status: 200, body: { kind: "calendar#freeBusy", timeMin: body.timeMin, timeMax: body.timeMax, calendars: result } }
    }

    if (path === "/calendar/v3/users/me/calendarList") {
      malformedUnless(method === "GET", "calendarList.list is a GET")
      noBody(request)
      const role = query.get("minAccessRole")
      malformedUnless(role === null || ["freeBusyReader", "reader", "writer", "owner"].includes(role), "bad minAccessRole")
      return { status: 200, body: { kind: "calendar#calendarList", items: [...calendars.values()].map((c) => ({ id: c.id, summary: c.summary, primary: c.primary || undefined, accessRole: c.accessRole })) } }
    }

    if (path === "/calendar/v3/channels/stop") {
      malformedUnless(method === "POST", "channels.stop is a POST")
      const body = jsonBody(request)
      malformedUnless(typeof body.id === "string" && typeof body.resourceId === "string", "stop needs { id, resourceId }")
      const channel = channels.get(body.id as string)
      if (channel === undefined || channel.resourceId !== body.resourceId) return { status: 404, body: googleError(404, "notFound", `Channel '${body.id}' not found for project`) }
      channels.delete(channel.id)
      return { status: 204 }
    }

    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path)
    malformedUnless(match !== null, `unknown path ${path}`)
    const calendarId = decodeURIComponent(match![1]!)
    const eventId = match![2] === undefined ? undefined : decodeURIComponent(match![2])
    const calendar = calendarOf(calendarId)
    if (calendar === undefined) return { status: 404, body: googleError(404, "notFound", "Not Found") }

    if (eventId === "watch") {
      malformedUnless(method === "POST", "events.watch is a POST")
      const body = jsonBody(request)
      malformedUnless(typeof body.id === "string" && /^[A-Za-z0-9\-_+/=]{1,64}$/.test(body.id), "channel id must be ≤ 64 of [A-Za-z0-9-_+/=]")
      malformedUnless(body.type === "web_hook", "type must be web_hook")
      malformedUnless(typeof body.address === "string" && /^https?:\/\//.test(body.address), "address must be a URL")
      malformedUnless(body.token === undefined || (typeof body.token === "string" && body.token.length <= 256), "token must be ≤ 256 characters")
      malformedUnless(body.expiration === undefined || typeof body.expiration === "number", "expiration is epoch ms")
      const faulted = fault()
      if (faulted !== undefined) return faulted
      if (channels.has(body.id as string)) return { status: 400, body: googleError(400, "channelIdNotUnique", "Channel id not unique") }
      const expiration = Math.min((body.expiration as number | undefined) ?? Date.now() + 7 * DAY, Date.now() + 7 * DAY)
      const channel: FakeChannel = {
        id: body.id as string,
        resourceId: randomToken("res"),
        calendarId: calendar.id,
        address: body.address as string,
        token: body.token as string | undefined,
        expiration,
        messageNumber: 0
      }
      channels.set(channel.id, channel)
      return { status: 200, body: { kind: "api#channel", id: channel.id, resourceId: channel.resourceId, resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`, token: channel.token, expiration: String(expiration) } }
    }

    if (eventId === undefined && method === "POST") {
      checkSendUpdates(request)
      const body = jsonBody(request)
      checkEventFields(body, true)
      const faulted = fault()
      if (faulted !== undefined) return faulted
      const id = (body.id as string | undefined) ?? crypto.randomUUID().replace(/-/g, "").replace(/[w-z]/g, "a")
      if (calendar.events.has(id)) return { status: 409, body: googleError(409, "duplicate", "The requested identifier already exists.") }
      const event: FakeGoogleEvent = {
        id,
        etag: nextEtag(),
        status: (body.status as FakeGoogleEvent["status"] | undefined) ?? "confirmed",
        summary: body.summary as string | undefined,
        start: body.start as FakeGoogleEvent["start"],
        end: body.end as FakeGoogleEvent["end"],
        transparency: body.transparency as FakeGoogleEvent["transparency"],
        extendedProperties: body.extendedProperties as FakeGoogleEvent["extendedProperties"],
        reminders: body.reminders,
        seq: ++seq
      }
      calendar.events.set(id, event)
      return { status: 200, body: eventJson(calendar.id, event) }
    }

    if (eventId === undefined && method === "GET") {
      noBody(request)
      const syncToken = query.get("syncToken")
      const pageToken = query.get("pageToken")
      const maxResults = Number(query.get("maxResults") ?? "250")
      malformedUnless(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 2500, "maxResults must be 1–2500")
      malformedUnless(query.get("showDeleted") === null || ["true", "false"].includes(query.get("showDeleted")!), "showDeleted must be true/false")
      if (syncToken !== null) {
        for (const p of ["timeMin", "timeMax", "q", "orderBy", "privateExtendedProperty", "updatedMin", "iCalUID"]) {
          malformedUnless(query.get(p) === null, `${p} cannot be combined with syncToken`)
        }
      }
      const faulted = fault()
      if (faulted !== undefined) return faulted
      let since = 0
      if (syncToken !== null) {
        const m = /^sync-(\d+)$/.exec(syncToken)
        if (m === null || Number(m[1]) < syncValidFrom) {
          return { status: 410, body: googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", "calendar") }
        }
        since = Number(m[1])
      }
      const all = [...calendar.events.values()]
        .filter((e) => e.seq > since && (syncToken !== null || query.get("showDeleted") === "true" || e.status !== "cancelled"))
        .sort((a, b) => a.seq - b.seq)
      const offset = pageToken === null ? 0 : Number(/^page-(\d+)$/.exec(pageToken)?.[1] ?? NaN)
      malformedUnless(Number.isInteger(offset), "unknown pageToken")
      const pageSize = Math.min(maxResults, fake.listPageSize)
      const items = all.slice(offset, offset + pageSize).map((e) => eventJson(calendar.id, e))
      const more = offset + pageSize < all.length
      return { status: 200, body: { kind: "calendar#events", items, ...(more ? { nextPageToken: `page-${offset + pageSize}` } : { nextSyncToken: `sync-${seq}` }) } }
    }

    const event = calendar.events.get(eventId!)
    if (method === "GET") {
      noBody(request)
      const faulted = fault()
      if (faulted !== undefined) return faulted
      if (event === undefined) return { status: 404, body: googleError(404, "notFound", "Not Found") }
      return { status: 200, body: eventJson(calendar.id, event) }
    }
    if (method === "PATCH") {
      checkSendUpdates(request)
      const body = jsonBody(request)
      checkEventFields(body, false)
      malformedUnless(!("id" in body), "PATCH cannot change the id")
      const faulted = fault()
      if (faulted !== undefined) return faulted
      if (event === undefined) return { status: 404, body: googleError(404, "notFound", "Not Found") }
      const ifMatch = request.headers["if-match"]
      if (ifMatch !== undefined && ifMatch !== event.etag) {
        return { status: 412, body: { error: { errors: [{ domain: "global", reason: "conditionNotMet", message: "Precondition Failed", locationType: "header", location: "If-Match" }], code: 412, message: "Precondition Failed" } } }
      }
      const { conferenceData: conference, ...fields } = body as { conferenceData?: { createRequest: { requestId: string; conferenceSolutionKey: { type: string } } } }
      // Without conferenceDataVersion=1 Google ignores conference data: the request would silently make no Meet.
      malformedUnless(conference === undefined || query.get("conferenceDataVersion") === "1", "conferenceData needs conferenceDataVersion=1")
      Object.assign(event, fields, { etag: nextEtag(), seq: ++seq })
      if (conference !== undefined) {
        fake.meetRequests.push(conference.createRequest.requestId)
        // The same requestId again is the same request (no second conference); another one replaces it.
        if (event.conferenceData?.createRequest.requestId !== conference.createRequest.requestId) {
          meetReads.delete(event.id)
          event.conferenceData = {
            createRequest: { requestId: conference.createRequest.requestId, conferenceSolutionKey: conference.createRequest.conferenceSolutionKey, status: { statusCode: "pending" } }
          }
        }
      }
      return { status: 200, body: eventJson(calendar.id, event) }
    }
    if (method === "DELETE") {
      checkSendUpdates(request)
      noBody(request)
      const faulted = fault()
      if (faulted !== undefined) return faulted
      if (event === undefined) return { status: 404, body: googleError(404, "notFound", "Not Found") }
      if (event.status === "cancelled") return { status: 410, body: googleError(410, "deleted", "Resource has been deleted") }
      Object.assign(event, { status: "cancelled", etag: nextEtag(), seq: ++seq })
      return { status: 204 }
    }
    throw new Malformed(`${method} ${path} is not a Calendar API method`)
  }

  const server = await startFakeServer(handler)

  const fake: FakeGoogle & { listPageSize: number } = Object.assign(server, {
    primaryId,
    calendars,
    channels,
    accessTokens,
    refreshTokens,
    listPageSize: 2500,
    meetPendingReads: 1,
    meetRequests: [] as Array<string>,
    grantScopes: (requested: ReadonlyArray<string>) => requested,
    issueTokens: () => {
      const refreshToken = randomToken("1//rt")
      refreshTokens.add(refreshToken)
      return { accessToken: issueAccessToken(), refreshToken }
    },
    expireAccessToken: (token: string) => void accessTokens.set(token, 0),
    revokeRefreshToken: (token: string) => void refreshTokens.delete(token),
    addCalendar: (id: string, summary?: string) => addCalendar(id, summary),
    addBusy: (calendarId: string, start: number, end: number, o: { transparent?: boolean; status?: FakeGoogleEvent["status"] } = {}) => {
      const calendar = calendarOf(calendarId)!
      const id = `busy${++seq}abc`
      calendar.events.set(id, {
        id,
        etag: nextEtag(),
        status: o.status ?? "confirmed",
        start: { dateTime: new Date(start).toISOString() },
        end: { dateTime: new Date(end).toISOString() },
        transparency: o.transparent ? "transparent" : "opaque",
        seq
      })
      return id
    },
    event: (calendarId: string, eventId: string) => calendarOf(calendarId)?.events.get(eventId),
    expireSyncTokens: () => {
      syncValidFrom = seq + 1
    },
    rateLimitNext: (path: RegExp, o: { status?: 403 | 429; retryAfter?: string; reason?: string; times?: number } = {}) => {
      const status = o.status ?? 429
      server.faults.push({
        path,
        status,
        times: o.times ?? 1,
        headers: o.retryAfter === undefined ? {} : { "retry-after": o.retryAfter },
        body: googleError(status, o.reason ?? "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")
      })
    },
    notify: async (channelId: string, state: "sync" | "exists" | "not_exists", token?: string) => {
      const channel = channels.get(channelId)!
      const response = await fetch(channel.address, {
        method: "POST",
        headers: {
          "x-goog-channel-id": channel.id,
          "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
          "x-goog-resource-state": state,
          "x-goog-message-number": String(++channel.messageNumber),
          "x-goog-resource-id": channel.resourceId,
          "x-goog-resource-uri": `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(channel.calendarId)}/events?alt=json`,
          ...((token ?? channel.token) === undefined ? {} : { "x-goog-channel-token": (token ?? channel.token)! })
        }
      })
      await response.arrayBuffer()
      return response.status
    }
  })
  return fake
}
