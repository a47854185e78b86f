// A typed XRPC client over the lexicon-generated types (src/lexicon, `npm run codegen`): every method's
// parameters, input and output come from the lexicons, none are written here. The same client runs in the
// Worker (through the APPVIEW service binding) and in the browser (same origin, /xrpc/* is forwarded).
import type * as AccountDeleteAccount from "../../../src/lexicon/types/app/overlap/account/deleteAccount"
import type * as AccountGetSession from "../../../src/lexicon/types/app/overlap/account/getSession"
import type * as AccountRequestExport from "../../../src/lexicon/types/app/overlap/account/requestExport"
import type * as Cancel from "../../../src/lexicon/types/app/overlap/cancel"
import type * as HostDeleteEventType from "../../../src/lexicon/types/app/overlap/host/deleteEventType"
import type * as HostDeleteOffer from "../../../src/lexicon/types/app/overlap/host/deleteOffer"
import type * as HostListEventTypes from "../../../src/lexicon/types/app/overlap/host/listEventTypes"
import type * as HostListOffers from "../../../src/lexicon/types/app/overlap/host/listOffers"
import type * as HostPutEventType from "../../../src/lexicon/types/app/overlap/host/putEventType"
import type * as HostPutOffer from "../../../src/lexicon/types/app/overlap/host/putOffer"
import type * as ConfirmReschedule from "../../../src/lexicon/types/app/overlap/confirmReschedule"
import type * as DeclineReschedule from "../../../src/lexicon/types/app/overlap/declineReschedule"
import type * as NotifyDeleteEmail from "../../../src/lexicon/types/app/overlap/notify/deleteEmail"
import type * as NotifyGetSettings from "../../../src/lexicon/types/app/overlap/notify/getSettings"
import type * as NotifyPutEmail from "../../../src/lexicon/types/app/overlap/notify/putEmail"
import type * as NotifyPutPreferences from "../../../src/lexicon/types/app/overlap/notify/putPreferences"
import type * as SettingsGet from "../../../src/lexicon/types/app/overlap/settings/get"
import type * as SettingsPut from "../../../src/lexicon/types/app/overlap/settings/put"
import type * as SessionGetSettings from "../../../src/lexicon/types/app/overlap/session/getSettings"
import type * as SessionPutSettings from "../../../src/lexicon/types/app/overlap/session/putSettings"
import type * as ConnectorRemove from "../../../src/lexicon/types/app/overlap/connector/remove"
import type * as ConnectorSetCalendars from "../../../src/lexicon/types/app/overlap/connector/setCalendars"
import type * as ConnectorStart from "../../../src/lexicon/types/app/overlap/connector/start"
import type * as Decline from "../../../src/lexicon/types/app/overlap/decline"
import type * as Finalize from "../../../src/lexicon/types/app/overlap/finalize"
import type * as GetAvailability from "../../../src/lexicon/types/app/overlap/getAvailability"
import type * as GetBooking from "../../../src/lexicon/types/app/overlap/getBooking"
import type * as GetMatchStatus from "../../../src/lexicon/types/app/overlap/getMatchStatus"
import type * as GetOffers from "../../../src/lexicon/types/app/overlap/getOffers"
import type * as ListBookings from "../../../src/lexicon/types/app/overlap/listBookings"
import type * as ListConnectors from "../../../src/lexicon/types/app/overlap/listConnectors"
import type * as Match from "../../../src/lexicon/types/app/overlap/match"
import type * as Reschedule from "../../../src/lexicon/types/app/overlap/reschedule"
import type * as CreateSubscription from "../../../src/lexicon/types/app/overlap/webhook/createSubscription"
import type * as DeleteSubscription from "../../../src/lexicon/types/app/overlap/webhook/deleteSubscription"
import type * as ListSubscriptions from "../../../src/lexicon/types/app/overlap/webhook/listSubscriptions"

/** Queries (GET): NSID → the lexicon's parameters and output. */
export interface Queries {
  "app.overlap.getOffers": { params: GetOffers.QueryParams; output: GetOffers.OutputSchema }
  "app.overlap.getAvailability": { params: GetAvailability.QueryParams; output: GetAvailability.OutputSchema }
  "app.overlap.getMatchStatus": { params: GetMatchStatus.QueryParams; output: GetMatchStatus.OutputSchema }
  "app.overlap.getBooking": { params: GetBooking.QueryParams; output: GetBooking.OutputSchema }
  "app.overlap.listBookings": { params: ListBookings.QueryParams; output: ListBookings.OutputSchema }
  "app.overlap.listConnectors": { params: ListConnectors.QueryParams; output: ListConnectors.OutputSchema }
  "app.overlap.webhook.listSubscriptions": { params: ListSubscriptions.QueryParams; output: ListSubscriptions.OutputSchema }
  "app.overlap.host.listOffers": { params: HostListOffers.QueryParams; output: HostListOffers.OutputSchema }
  "app.overlap.host.listEventTypes": { params: HostListEventTypes.QueryParams; output: HostListEventTypes.OutputSchema }
  "app.overlap.session.getSettings": { params: SessionGetSettings.QueryParams; output: SessionGetSettings.OutputSchema }
  "app.overlap.notify.getSettings": { params: NotifyGetSettings.QueryParams; output: NotifyGetSettings.OutputSchema }
  "app.overlap.settings.get": { params: SettingsGet.QueryParams; output: SettingsGet.OutputSchema }
  "app.overlap.account.getSession": { params: AccountGetSession.QueryParams; output: AccountGetSession.OutputSchema }
}

/** Procedures (POST): NSID → the lexicon's input and output. */
export interface Procedures {
  "app.overlap.match": { input: Match.InputSchema; output: Match.OutputSchema }
  "app.overlap.finalize": { input: Finalize.InputSchema; output: Finalize.OutputSchema }
  "app.overlap.decline": { input: Decline.InputSchema; output: Decline.OutputSchema }
  "app.overlap.cancel": { input: Cancel.InputSchema; output: Cancel.OutputSchema }
  "app.overlap.reschedule": { input: Reschedule.InputSchema; output: Reschedule.OutputSchema }
  "app.overlap.connector.start": { input: ConnectorStart.InputSchema; output: ConnectorStart.OutputSchema }
  "app.overlap.connector.remove": { input: ConnectorRemove.InputSchema; output: void }
  "app.overlap.connector.setCalendars": { input: ConnectorSetCalendars.InputSchema; output: ConnectorSetCalendars.OutputSchema }
  "app.overlap.webhook.createSubscription": { input: CreateSubscription.InputSchema; output: CreateSubscription.OutputSchema }
  "app.overlap.webhook.deleteSubscription": { input: DeleteSubscription.InputSchema; output: void }
  "app.overlap.host.putOffer": { input: HostPutOffer.InputSchema; output: HostPutOffer.OutputSchema }
  "app.overlap.host.deleteOffer": { input: HostDeleteOffer.InputSchema; output: HostDeleteOffer.OutputSchema }
  "app.overlap.host.putEventType": { input: HostPutEventType.InputSchema; output: HostPutEventType.OutputSchema }
  "app.overlap.host.deleteEventType": { input: HostDeleteEventType.InputSchema; output: HostDeleteEventType.OutputSchema }
  "app.overlap.account.requestExport": { input: AccountRequestExport.InputSchema; output: AccountRequestExport.OutputSchema }
  "app.overlap.account.deleteAccount": { input: AccountDeleteAccount.InputSchema; output: AccountDeleteAccount.OutputSchema }
  "app.overlap.confirmReschedule": { input: ConfirmReschedule.InputSchema; output: ConfirmReschedule.OutputSchema }
  "app.overlap.declineReschedule": { input: DeclineReschedule.InputSchema; output: DeclineReschedule.OutputSchema }
  "app.overlap.session.putSettings": { input: SessionPutSettings.InputSchema; output: SessionPutSettings.OutputSchema }
  "app.overlap.notify.putEmail": { input: NotifyPutEmail.InputSchema; output: NotifyPutEmail.OutputSchema }
  "app.overlap.notify.deleteEmail": { input: NotifyDeleteEmail.InputSchema; output: NotifyDeleteEmail.OutputSchema }
  "app.overlap.notify.putPreferences": { input: NotifyPutPreferences.InputSchema; output: NotifyPutPreferences.OutputSchema }
  "app.overlap.settings.put": { input: SettingsPut.InputSchema; output: SettingsPut.OutputSchema }
}

/** An XRPC error answer (`{ error, message }`), with the status and, for 429, the wait the server asked for. */
export class XrpcError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    override readonly message: string,
    readonly retryAfterSec: number | undefined
  ) {
    super(message)
  }
}

/** The header Overlap's idempotent procedures require (src/domain/idempotency.ts). */
export const IDEMPOTENCY_KEY = "idempotency-key"

/** Whatever sends a Request: `fetch` in the browser, the APPVIEW service binding in the Worker. */
export type Send = (request: Request) => Promise<Response>

type ParamValue = string | number | boolean | ReadonlyArray<string> | undefined

const queryString = (params: object): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params as Record<string, ParamValue>)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) search.append(key, String(item))
    else search.append(key, String(value))
  }
  const text = search.toString()
  return text.length > 0 ? `?${text}` : ""
}

const retryAfter = (response: Response, message: string): number | undefined => {
  const header = Number(response.headers.get("retry-after"))
  if (Number.isFinite(header) && header > 0) return header
  const said = /retry in (\d+)\s*s/.exec(message)
  return said ? Number(said[1]) : undefined
}

const read = async <T>(response: Response): Promise<T> => {
  const text = await response.text()
  let body: unknown
  try {
    body = text.length > 0 ? JSON.parse(text) : {}
  } catch {
    body = undefined
  }
  if (response.ok && body !== undefined) return body as T
  const error = typeof (body as { error?: unknown })?.error === "string" ? (body as { error: string }).error : response.ok ? "InvalidResponse" : `Http${response.status}`
  const message = typeof (body as { message?: unknown })?.message === "string" ? (body as { message: string }).message : ""
  throw new XrpcError(response.status, error, message, retryAfter(response, message))
}

export interface XrpcClient {
  query<N extends keyof Queries>(nsid: N, params: Queries[N]["params"], headers?: HeadersInit): Promise<Queries[N]["output"]>
  procedure<N extends keyof Procedures>(nsid: N, input: Procedures[N]["input"], headers?: HeadersInit): Promise<Procedures[N]["output"]>
}

/**
 * A client for the AppView at `origin`. `base` headers go on every call (in the Worker: the visitor's cookie
 * and address, so the AppView sees the same requester the browser is).
 */
export const xrpcClient = (send: Send, origin: string, base: HeadersInit = {}): XrpcClient => {
  const headersOf = (extra: HeadersInit | undefined, json: boolean) => {
    const headers = new Headers(base)
    for (const [name, value] of new Headers(extra ?? {})) headers.set(name, value)
    headers.set("accept", "application/json")
    if (json) headers.set("content-type", "application/json")
    return headers
  }
  return {
    query: async (nsid, params, headers) =>
      read(await send(new Request(`${origin}/xrpc/${nsid}${queryString(params)}`, { headers: headersOf(headers, false) }))),
    procedure: async (nsid, input, headers) => {
      const outgoing = headersOf(headers, true)
      // every Overlap procedure that changes a booking is idempotent and refuses a call without a key (400); one
      // key per call here — a caller that retries the same action passes its own key in `headers`
      if (!outgoing.has(IDEMPOTENCY_KEY)) outgoing.set(IDEMPOTENCY_KEY, crypto.randomUUID())
      return read(await send(new Request(`${origin}/xrpc/${nsid}`, { method: "POST", headers: outgoing, body: JSON.stringify(input ?? {}) })))
    }
  }
}
