import type { AtpAgent } from "@atproto/api"
import type { Radicale } from "./localRadicale.mjs"

export interface Account { readonly did: string; readonly handle: string; readonly agent: AtpAgent }
export interface XrpcResult { readonly status: number; readonly body: any; readonly headers: Headers }
export interface CalendarEvent { readonly bookingId: string; readonly status: string; readonly start: string; readonly end: string }
export interface UserCalendar {
  readonly radicale: Radicale
  readonly calendarUrl: string
  readonly events: (bookingId: string) => Promise<ReadonlyArray<CalendarEvent>>
  readonly addBusy: (name: string, start: Date, end: Date) => Promise<string>
}
export declare const APPVIEW_DID: string
export declare const sleep: (ms: number) => Promise<void>
export declare const waitFor: <A>(what: string, probe: () => Promise<A | undefined | false | null>, options?: { timeoutMs?: number; intervalMs?: number }) => Promise<A>
export declare const createAccount: (pdsUrl: string, prefix: string) => Promise<Account>
export declare const putRecord: (account: Account, collection: string, record: Record<string, unknown>) => Promise<string>
export declare const xrpc: (
  appviewUrl: string,
  account: Account | undefined,
  nsid: string,
  options?: { params?: Record<string, unknown>; body?: unknown; method?: "GET" | "POST"; idempotencyKey?: string | null; headers?: Record<string, string> }
) => Promise<XrpcResult>
export declare const expectStatus: (res: XrpcResult, ok: number | ReadonlyArray<number>, what: string) => any
export declare const calendarOn: (radicale: Radicale) => Promise<UserCalendar>
export declare const deliveriesOn: (receiverUrl: string, path: string, secret: string) => Promise<ReadonlyArray<any>>
