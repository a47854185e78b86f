import {
  bearerToken,
  checkAuthorizeQuery,
  type FakeServer,
  formBody,
  header,
  isIanaZone,
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
 * A local stand-in for the Microsoft identity platform (v2.0 authorize + token) and Microsoft Graph v1.0
 * calendars (getSchedule, events create/update/delete, /me/calendar, subscriptions with the validationToken
 * handshake), built from the documented shapes, including the error bodies (`{ error: { code, message,
 * innerError } }`, token errors with AADSTS codes) and Outlook's 4-concurrent-requests-per-mailbox limit.
 * Malformed requests are answered 400 and recorded in `malformed`.
 */

export const MICROSOFT_CLIENT = { id: "00000000-0000-4000-8000-00000000c11e", secret: "microsoft-client-secret" } as const

export interface FakeGraphEvent {
  id: string
  etag: number
  subject: string
  start: number
  end: number
  showAs: string
  transactionId?: string
  extended: Record<string, string>
  isReminderOn?: boolean
  location?: { displayName: string }
  body?: { contentType: string; content: string }
  isOnlineMeeting?: boolean
  onlineMeetingProvider?: string
  /** Set once the event is a Teams meeting (isOnlineMeeting + teamsForBusiness), as Graph documents it. */
  onlineMeeting?: { joinUrl: string; conferenceId: string; tollNumber: null }
}

interface Mailbox {
  readonly address: string
  /** Busy items of other mailboxes (and foreign events of the user's own). */
  readonly items: Array<{ start: number; end: number; status: string }>
  /** Free/busy-only access: getSchedule answers availabilityView without scheduleItems. */
  hideItems: boolean
}

export interface FakeSubscription {
  readonly id: string
  readonly resource: string
  readonly changeType: string
  readonly notificationUrl: string
  readonly lifecycleNotificationUrl: string | undefined
  readonly clientState: string | undefined
  expiration: number
}

export interface FakeGraph extends FakeServer {
  readonly userAddress: string
  readonly mailboxes: Map<string, Mailbox>
  readonly events: Map<string, FakeGraphEvent>
  readonly subscriptions: Map<string, FakeSubscription>
  readonly accessTokens: Map<string, number>
  readonly refreshTokens: Set<string>
  /** The PATCH that makes an event a Teams meeting answers without its joinUrl (it appears on the next read). */
  teamsJoinUrlLate: boolean
  /** Milliseconds each Graph API request takes (to make concurrency observable). */
  apiDelayMs: number
  /** Highest number of Graph API requests in flight at once. */
  readonly apiConcurrency: { current: number; max: number }
  readonly issueTokens: () => { accessToken: string; refreshToken: string }
  readonly expireAccessToken: (token: string) => void
  readonly revokeRefreshToken: (token: string) => void
  readonly addMailbox: (address: string) => void
  readonly addBusy: (address: string, start: number, end: number, status?: string) => void
  /** The next matching request answers 429 (Graph's throttling body) with this Retry-After. */
  readonly throttleNext: (path: RegExp, retryAfter?: string, times?: number) => void
  /** POSTs a change notification for the subscription to its notificationUrl; resolves to the status answered. */
  readonly notify: (subscriptionId: string, changeType: string, eventId: string, clientState?: string) => Promise<number>
}

const graphError = (code: string, message: string) => ({
  error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), "request-id": crypto.randomUUID(), "client-request-id": crypto.randomUUID() } }
})

const tokenError = (error: string, code: number, description: string) => ({
  error,
  error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
  error_codes: [code],
  timestamp: new Date().toISOString(),
  trace_id: crypto.randomUUID(),
  correlation_id: crypto.randomUUID(),
  error_uri: `https://login.microsoftonline.com/error?code=${code}`
})

const SHOW_AS = new Set(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"])
const WALL = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,7})?$/
const DAY = 86_400_000

/** Offset (ms) of an IANA zone at an instant, from Intl. */
const offsetAt = (timeZone: string, instant: number): number => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value])
  )
  return Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!) - Math.floor(instant / 1000) * 1000
}

/** A Graph dateTimeTimeZone (wall time, no offset) as an instant; malformed when it is not one. */
const instantOf = (value: unknown, field: string): number => {
  const v = value as { dateTime?: unknown; timeZone?: unknown } | undefined
  malformedUnless(typeof v === "object" && v !== null, `${field} must be a dateTimeTimeZone`)
  malformedUnless(typeof v!.dateTime === "string" && WALL.test(v!.dateTime), `${field}.dateTime must be a wall time without offset`)
  malformedUnless(typeof v!.timeZone === "string" && (v!.timeZone === "UTC" || isIanaZone(v!.timeZone)), `${field}.timeZone must be UTC or an IANA zone`)
  const wall = Date.parse(`${WALL.exec(v!.dateTime as string)![1]}Z`)
  if (v!.timeZone === "UTC") return wall
  const guess = wall - offsetAt(v!.timeZone as string, wall)
  return wall - offsetAt(v!.timeZone as string, guess)
}

const utcWall = (instant: number) => ({ dateTime: `${new Date(instant).toISOString().slice(0, 19)}.0000000`, timeZone: "UTC" })

export const startFakeGraph = async (options: { readonly userAddress?: string } = {}): Promise<FakeGraph> => {
  const userAddress = options.userAddress ?? "alice@contoso.com"
  const mailboxes = new Map<string, Mailbox>()
  const events = new Map<string, FakeGraphEvent>()
  const subscriptions = new Map<string, FakeSubscription>()
  const accessTokens = new Map<string, number>()
  const refreshTokens = new Set<string>()
  const codes = new Map<string, { challenge: string; redirectUri: string }>()
  const apiConcurrency = { current: 0, max: 0 }
  let etags = 0

  const addMailbox = (address: string) => void mailboxes.set(address.toLowerCase(), { address, items: [], hideItems: false })
  addMailbox(userAddress)

  const issueAccessToken = () => {
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${Buffer.from(crypto.randomUUID()).toString("base64url")}.sig`
    accessTokens.set(token, Date.now() + 3_600_000)
    return token
  }
  const issueRefreshToken = () => {
    const token = randomToken("0.AXoA-rt")
    refreshTokens.add(token)
    return token
  }

  const eventJson = (e: FakeGraphEvent) => ({
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('alice')/events/$entity",
    "@odata.etag": `W/"${e.etag}"`,
    id: e.id,
    subject: e.subject,
    showAs: e.showAs,
    transactionId: e.transactionId ?? null,
    isReminderOn: e.isReminderOn ?? true,
    start: utcWall(e.start),
    end: utcWall(e.end),
    location: e.location ?? { displayName: "" },
    body: e.body ?? { contentType: "html", content: "" },
    isOnlineMeeting: e.isOnlineMeeting ?? false,
    onlineMeetingProvider: e.onlineMeetingProvider ?? "unknown",
    onlineMeeting: e.onlineMeeting ?? null
  })

  const checkEventBody = (body: Record<string, unknown>, create: boolean) => {
    const known = new Set(["subject", "start", "end", "showAs", "transactionId", "isReminderOn", "singleValueExtendedProperties", "body", "location", "isOnlineMeeting", "onlineMeetingProvider"])
    for (const key of Object.keys(body)) malformedUnless(known.has(key), `unexpected event property ${key}`)
    if ("location" in body) {
      const location = body.location as { displayName?: unknown } | null
      malformedUnless(typeof location === "object" && location !== null && typeof location.displayName === "string", "location must be { displayName }")
    }
    if ("body" in body) {
      const item = body.body as { contentType?: unknown; content?: unknown } | null
      malformedUnless(typeof item === "object" && item !== null && ["text", "html"].includes(item.contentType as string) && typeof item.content === "string", "body must be { contentType: text|html, content }")
    }
    if ("isOnlineMeeting" in body) malformedUnless(typeof body.isOnlineMeeting === "boolean", "isOnlineMeeting must be a boolean")
    if ("onlineMeetingProvider" in body) {
      malformedUnless(["teamsForBusiness", "skypeForBusiness", "skypeForConsumer", "unknown"].includes(body.onlineMeetingProvider as string), "onlineMeetingProvider is not an onlineMeetingProviderType")
    }
    if (create) malformedUnless(typeof body.subject === "string", "subject must be a string")
    if (create || "start" in body || "end" in body) {
      malformedUnless("start" in body && "end" in body, "start and end go together")
      malformedUnless(instantOf(body.end, "end") > instantOf(body.start, "start"), "end must be after start")
    }
    if ("showAs" in body) malformedUnless(SHOW_AS.has(body.showAs as string), `showAs ${body.showAs} is not a freeBusyStatus`)
    if ("transactionId" in body) malformedUnless(typeof body.transactionId === "string" && body.transactionId.length <= 255, "transactionId must be a string")
    if ("isReminderOn" in body) malformedUnless(typeof body.isReminderOn === "boolean", "isReminderOn must be a boolean")
    if ("singleValueExtendedProperties" in body) {
      const props = body.singleValueExtendedProperties as Array<{ id?: unknown; value?: unknown }>
      malformedUnless(Array.isArray(props), "singleValueExtendedProperties must be an array")
      for (const p of props) {
        malformedUnless(typeof p.id === "string" && /^String \{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\} Name \w+$/i.test(p.id), "extended property id must be 'String {guid} Name name'")
        malformedUnless(typeof p.value === "string", "extended property value must be a string")
      }
    }
  }

  const validateEndpoint = async (url: string): Promise<boolean> => {
    const token = `Validation: ${crypto.randomUUID()} & more`
    try {
      const response = await fetch(`${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`, {
        method: "POST",
        headers: { "content-type": "text/plain; charset=utf-8" },
        signal: AbortSignal.timeout(10_000)
      })
      const text = await response.text()
      return response.status === 200 && text === token && /^text\/plain\b/.test(response.headers.get("content-type") ?? "")
    } catch {
      return false
    }
  }

  const handler = async (request: RecordedRequest, fault: () => Reply | undefined): Promise<Reply> => {
    const { method, path, query } = request

    // ---------------------------------------------------------------- identity platform
    if (path === "/common/oauth2/v2.0/authorize") {
      malformedUnless(method === "GET", "authorize is a GET")
      const checked = checkAuthorizeQuery(query, { clientId: MICROSOFT_CLIENT.id, requiredScopes: ["offline_access", "Calendars.ReadWrite"] })
      malformedUnless(query.get("response_mode") === null || query.get("response_mode") === "query", "response_mode must be query")
      const code = randomToken("M.C5")
      codes.set(code, { challenge: checked.challenge, redirectUri: checked.redirectUri })
      const location = new URL(checked.redirectUri)
      location.searchParams.set("code", code)
      location.searchParams.set("state", checked.state)
      return { status: 302, headers: { location: location.toString() } }
    }
    if (path === "/common/oauth2/v2.0/token") {
      malformedUnless(method === "POST", "token is a POST")
      const form = formBody(request)
      malformedUnless(form.get("client_id") === MICROSOFT_CLIENT.id, "client_id missing or wrong")
      if (form.get("client_secret") !== MICROSOFT_CLIENT.secret) return { status: 401, body: tokenError("invalid_client", 7000215, "Invalid client secret provided.") }
      const scope = (form.get("scope") ?? "").split(" ")
      malformedUnless(scope.includes("Calendars.ReadWrite") && scope.includes("offline_access"), "scope must name offline_access and Calendars.ReadWrite")
      const grant = form.get("grant_type")
      if (grant === "authorization_code") {
        const code = form.get("code")
        const verifier = form.get("code_verifier")
        malformedUnless(code !== null && code !== "", "code missing")
        malformedUnless(verifier !== null && /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier), "code_verifier missing or not RFC 7636")
        malformedUnless(form.get("redirect_uri") !== null, "redirect_uri missing")
        const faulted = fault()
        if (faulted !== undefined) return faulted
        const issued = codes.get(code!)
        if (issued === undefined) return { status: 400, body: tokenError("invalid_grant", 70000, "The provided authorization code or refresh token has expired or is invalid.") }
        codes.delete(code!)
        if (form.get("redirect_uri") !== issued.redirectUri) return { status: 400, body: tokenError("invalid_grant", 50148, "The redirect URI does not match.") }
        if ((await s256(verifier!)) !== issued.challenge) return { status: 400, body: tokenError("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.") }
        return { status: 200, body: { token_type: "Bearer", scope: "https://graph.microsoft.com/Calendars.ReadWrite", expires_in: 3599, ext_expires_in: 3599, access_token: issueAccessToken(), refresh_token: issueRefreshToken() } }
      }
      if (grant === "refresh_token") {
        const refreshToken = form.get("refresh_token")
        malformedUnless(refreshToken !== null && refreshToken !== "", "refresh_token missing")
        const faulted = fault()
        if (faulted !== undefined) return faulted
        // Refresh tokens are single use here: the old one dies as the new one is issued.
        if (!refreshTokens.delete(refreshToken!)) return { status: 400, body: tokenError("invalid_grant", 70000, "The provided value for the 'refresh_token' is not valid.") }
        return { status: 200, body: { token_type: "Bearer", scope: "https://graph.microsoft.com/Calendars.ReadWrite", expires_in: 3599, ext_expires_in: 3599, access_token: issueAccessToken(), refresh_token: issueRefreshToken() } }
      }
      throw new Malformed(`grant_type ${grant} not supported`)
    }

    // ---------------------------------------------------------------- Graph
    malformedUnless(path.startsWith("/v1.0/"), `unknown path ${path}`)
    const token = bearerToken(request)
    const expiry = accessTokens.get(token)
    if (expiry === undefined || expiry < Date.now()) {
      return { status: 401, headers: { "www-authenticate": 'Bearer realm="", error="invalid_token"' }, body: graphError("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.") }
    }
    apiConcurrency.current++
    apiConcurrency.max = Math.max(apiConcurrency.max, apiConcurrency.current)
    try {
      if (apiConcurrency.current > 4) {
        return { status: 429, headers: { "retry-after": "1" }, body: graphError("ApplicationThrottled", "Application is over its MailboxConcurrency limit.") }
      }
      if (fake.apiDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.apiDelayMs))
      return await graphApi(request, fault)
    } finally {
      apiConcurrency.current--
    }
  }

  const graphApi = async (request: RecordedRequest, fault: () => Reply | undefined): Promise<Reply> => {
    const { method, path } = request

    if (path === "/v1.0/me/calendar/getSchedule") {
      malformedUnless(method === "POST", "getSchedule is a POST")
      const prefer = header(request, "prefer")
      malformedUnless(prefer === undefined || /^outlook\.timezone="[^"]+"$/.test(prefer), `Prefer header malformed: ${prefer}`)
      const body = jsonBody(request)
      const schedules = body.schedules as Array<unknown>
      malformedUnless(Array.isArray(schedules) && schedules.length >= 1 && schedules.length <= 20, "schedules must hold 1–20 addresses")
      for (const s of schedules) malformedUnless(typeof s === "string" && /^[^@\s]+@[^@\s]+$/.test(s), "schedules must be SMTP addresses")
      const start = instantOf(body.startTime, "startTime")
      const end = instantOf(body.endTime, "endTime")
      malformedUnless(end > start, "endTime must be after startTime")
      malformedUnless(end - start < 62 * DAY, "the period must be shorter than 62 days")
      const interval = body.availabilityViewInterval ?? 30
      malformedUnless(Number.isInteger(interval) && (interval as number) >= 5 && (interval as number) <= 1440, "availabilityViewInterval must be 5–1440")
      const faulted = fault()
      if (faulted !== undefined) return faulted
      const value = (schedules as Array<string>).map((address) => {
        const mailbox = mailboxes.get(address.toLowerCase())
        if (mailbox === undefined) {
          return { scheduleId: address, availabilityView: "", error: { message: `The specified user ${address} could not be found.`, responseCode: "ErrorMailRecipientNotFound" } }
        }
        const own = mailbox.address === userAddress ? [...events.values()].map((e) => ({ start: e.start, end: e.end, status: e.showAs })) : []
        const items = [...mailbox.items, ...own].filter((i) => i.end > start && i.start < end).sort((a, b) => a.start - b.start)
        const step = (interval as number) * 60_000
        let view = ""
        for (let t = start; t < end; t += step) {
          const hit = items.filter((i) => i.start < t + step && i.end > t && i.status !== "free")
          view += hit.length === 0 ? "0" : hit.some((i) => i.status === "busy") ? "2" : hit.some((i) => i.status === "oof") ? "3" : "1"
        }
        return {
          scheduleId: address,
          availabilityView: view,
          ...(mailbox.hideItems ? {} : { scheduleItems: items.map((i) => ({ isPrivate: false, status: i.status, start: utcWall(i.start), end: utcWall(i.end) })) }),
          workingHours: { daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"], startTime: "08:00:00.0000000", endTime: "17:00:00.0000000", timeZone: { name: "UTC" } }
        }
      })
      return { status: 200, body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", value } }
    }

    if (path === "/v1.0/me/calendar" && method === "GET") {
      noBody(request)
      return { status: 200, body: { id: "AAMkADefaultCal=", name: "Calendar", owner: { name: "Alice", address: userAddress } } }
    }

    if ((path === "/v1.0/me/calendar/events" || /^\/v1\.0\/me\/calendars\/[^/]+\/events$/.test(path)) && method === "POST") {
      const body = jsonBody(request)
      checkEventBody(body, true)
      const faulted = fault()
      if (faulted !== undefined) return faulted
      const transactionId = body.transactionId as string | undefined
      const existing = transactionId === undefined ? undefined : [...events.values()].find((e) => e.transactionId === transactionId)
      if (existing !== undefined) return { status: 201, body: eventJson(existing) }
      const event: FakeGraphEvent = {
        id: `AAMkAGI2T${crypto.randomUUID().replace(/-/g, "")}/+=`,
        etag: ++etags,
        subject: body.subject as string,
        start: instantOf(body.start, "start"),
        end: instantOf(body.end, "end"),
        showAs: (body.showAs as string | undefined) ?? "busy",
        transactionId,
        isReminderOn: body.isReminderOn as boolean | undefined,
        extended: Object.fromEntries(((body.singleValueExtendedProperties ?? []) as Array<{ id: string; value: string }>).map((p) => [p.id, p.value]))
      }
      events.set(event.id, event)
      return { status: 201, body: eventJson(event) }
    }

    const eventMatch = /^\/v1\.0\/me\/events\/([^/]+)$/.exec(path)
    if (eventMatch !== null) {
      const id = decodeURIComponent(eventMatch[1]!)
      const event = events.get(id)
      if (method === "PATCH") {
        const body = jsonBody(request)
        checkEventBody(body, false)
        const faulted = fault()
        if (faulted !== undefined) return faulted
        if (event === undefined) return { status: 404, body: graphError("ErrorItemNotFound", "The specified object was not found in the store.") }
        if ("showAs" in body) event.showAs = body.showAs as string
        if ("subject" in body) event.subject = body.subject as string
        if ("location" in body) event.location = body.location as FakeGraphEvent["location"]
        if ("body" in body) event.body = body.body as FakeGraphEvent["body"]
        if ("onlineMeetingProvider" in body) event.onlineMeetingProvider = body.onlineMeetingProvider as string
        let late = false
        if ("isOnlineMeeting" in body) {
          event.isOnlineMeeting = body.isOnlineMeeting as boolean
          if (event.isOnlineMeeting && event.onlineMeetingProvider === "teamsForBusiness" && event.onlineMeeting === undefined) {
            const thread = crypto.randomUUID().replace(/-/g, "")
            event.onlineMeeting = {
              joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22tenant%22%7d`,
              conferenceId: String(100_000_000 + Math.floor(Math.random() * 800_000_000)),
              tollNumber: null
            }
            late = fake.teamsJoinUrlLate
          }
        }
        if ("start" in body) {
          event.start = instantOf(body.start, "start")
          event.end = instantOf(body.end, "end")
        }
        event.etag = ++etags
        return { status: 200, body: late ? { ...eventJson(event), onlineMeeting: null } : eventJson(event) }
      }
      if (method === "DELETE") {
        noBody(request)
        const faulted = fault()
        if (faulted !== undefined) return faulted
        if (event === undefined) return { status: 404, body: graphError("ErrorItemNotFound", "The specified object was not found in the store.") }
        events.delete(id)
        return { status: 204 }
      }
      if (method === "GET") {
        noBody(request)
        if (event === undefined) return { status: 404, body: graphError("ErrorItemNotFound", "The specified object was not found in the store.") }
        return { status: 200, body: eventJson(event) }
      }
    }

    if (path === "/v1.0/subscriptions" && method === "POST") {
      const body = jsonBody(request)
      const changeTypes = String(body.changeType ?? "").split(",")
      malformedUnless(changeTypes.length > 0 && changeTypes.every((c) => ["created", "updated", "deleted"].includes(c)), "changeType must be created/updated/deleted, comma-separated")
      malformedUnless(typeof body.notificationUrl === "string" && /^https?:\/\//.test(body.notificationUrl), "notificationUrl must be a URL")
      malformedUnless(body.lifecycleNotificationUrl === undefined || (typeof body.lifecycleNotificationUrl === "string" && /^https?:\/\//.test(body.lifecycleNotificationUrl)), "lifecycleNotificationUrl must be a URL")
      malformedUnless(typeof body.resource === "string" && /^\/?me\/(events|calendar\/events|calendars\/[^/]+\/events)$/.test(body.resource), "resource must be the user's events")
      malformedUnless(typeof body.expirationDateTime === "string" && !Number.isNaN(Date.parse(body.expirationDateTime)), "expirationDateTime must be ISO 8601")
      const expiration = Date.parse(body.expirationDateTime as string)
      malformedUnless(expiration > Date.now() && expiration <= Date.now() + 4230 * 60_000, "expirationDateTime must be within 4230 minutes")
      malformedUnless(body.clientState === undefined || (typeof body.clientState === "string" && body.clientState.length <= 128), "clientState must be ≤ 128 characters")
      const faulted = fault()
      if (faulted !== undefined) return faulted
      for (const url of [body.notificationUrl, body.lifecycleNotificationUrl]) {
        if (typeof url === "string" && !(await validateEndpoint(url))) {
          return { status: 400, body: graphError("InvalidRequest", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.") }
        }
      }
      const subscription: FakeSubscription = {
        id: crypto.randomUUID(),
        resource: body.resource as string,
        changeType: body.changeType as string,
        notificationUrl: body.notificationUrl as string,
        lifecycleNotificationUrl: body.lifecycleNotificationUrl as string | undefined,
        clientState: body.clientState as string | undefined,
        expiration
      }
      subscriptions.set(subscription.id, subscription)
      return { status: 201, body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity", id: subscription.id, resource: subscription.resource, changeType: subscription.changeType, clientState: subscription.clientState ?? null, notificationUrl: subscription.notificationUrl, expirationDateTime: new Date(expiration).toISOString(), latestSupportedTlsVersion: "v1_2" } }
    }
    const subMatch = /^\/v1\.0\/subscriptions\/([^/]+)$/.exec(path)
    if (subMatch !== null) {
      const subscription = subscriptions.get(decodeURIComponent(subMatch[1]!))
      if (method === "PATCH") {
        const body = jsonBody(request)
        malformedUnless(Object.keys(body).length === 1 && typeof body.expirationDateTime === "string", "renewal sends { expirationDateTime } only")
        const expiration = Date.parse(body.expirationDateTime as string)
        malformedUnless(expiration > Date.now() && expiration <= Date.now() + 4230 * 60_000, "expirationDateTime must be within 4230 minutes")
        const faulted = fault()
        if (faulted !== undefined) return faulted
        if (subscription === undefined) return { status: 404, body: graphError("ResourceNotFound", "The object was not found.") }
        subscription.expiration = expiration
        return { status: 200, body: { id: subscription.id, resource: subscription.resource, changeType: subscription.changeType, expirationDateTime: new Date(expiration).toISOString() } }
      }
      if (method === "DELETE") {
        noBody(request)
        if (subscription === undefined) return { status: 404, body: graphError("ResourceNotFound", "The object was not found.") }
        subscriptions.delete(subscription.id)
        return { status: 204 }
      }
    }
    throw new Malformed(`${method} ${path} is not a Graph method this fake knows`)
  }

  const server = await startFakeServer(handler)
  const fake: FakeGraph = Object.assign(server, {
    teamsJoinUrlLate: false,
    userAddress,
    mailboxes,
    events,
    subscriptions,
    accessTokens,
    refreshTokens,
    apiDelayMs: 0,
    apiConcurrency,
    issueTokens: () => ({ accessToken: issueAccessToken(), refreshToken: issueRefreshToken() }),
    expireAccessToken: (token: string) => void accessTokens.set(token, 0),
    revokeRefreshToken: (token: string) => void refreshTokens.delete(token),
    addMailbox,
    addBusy: (address: string, start: number, end: number, status = "busy") => void mailboxes.get(address.toLowerCase())!.items.push({ start, end, status }),
    throttleNext: (path: RegExp, retryAfter?: string, times = 1) =>
      void server.faults.push({ path, status: 429, times, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter }, body: graphError("TooManyRequests", "Too many requests.") }),
    notify: async (subscriptionId: string, changeType: string, eventId: string, clientState?: string) => {
      const subscription = subscriptions.get(subscriptionId)!
      const response = await fetch(subscription.notificationUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({
          value: [{
            subscriptionId,
            subscriptionExpirationDateTime: new Date(subscription.expiration).toISOString(),
            changeType,
            resource: `Users/00000000-0000-0000-0000-0000000a11ce/Events/${eventId}`,
            resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": `Users/00000000-0000-0000-0000-0000000a11ce/Events/${eventId}`, "@odata.etag": `W/"${etags}"`, id: eventId },
            clientState: clientState ?? subscription.clientState ?? null,
            tenantId: "00000000-0000-0000-0000-00000000fe11"
          }]
        })
      })
      await response.arrayBuffer()
      return response.status
    }
  })
  return fake
}
