// A typed XRPC client over the lexicon-generated types (src/lexicon, `npm run codegen`): every method's
// parameters, input and output come from the lexicons, none are written here. The same client runs in the
// Worker (through the APPVIEW service binding) and in the browser (same origin, /xrpc/* is forwarded).
import type * as Cancel from "../../../src/lexicon/types/app/overlap/cancel"
import type * as ConnectorRemove from "../../../src/lexicon/types/app/overlap/connector/remove"
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
  "app.overlap.webhook.createSubscription": { input: CreateSubscription.InputSchema; output: CreateSubscription.OutputSchema }
  "app.overlap.webhook.deleteSubscription": { input: DeleteSubscription.InputSchema; output: void }
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
    procedure: async (nsid, input, headers) =>
      read(await send(new Request(`${origin}/xrpc/${nsid}`, { method: "POST", headers: headersOf(headers, true), body: JSON.stringify(input ?? {}) })))
  }
}
