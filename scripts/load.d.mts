import type { Account } from "./overlapClient.mjs"

export interface PreparedCall {
  readonly nsid: string
  readonly account: Account
  readonly url: string
  readonly init: RequestInit
  readonly hostDid?: string
}
export interface CallResult {
  readonly call: PreparedCall
  readonly status: number | "hang" | "network-error"
  readonly body: any
  /** The first answer's status; `status` is the last, after Overloaded retries. */
  readonly firstStatus: number | "hang" | "network-error"
  readonly retries: number
  readonly ms: number
  /** When the final answer arrived (epoch ms). */
  readonly answeredAt: number
}
export interface BurstOutcome {
  readonly results: ReadonlyArray<CallResult>
  readonly requests: number
  readonly statuses: Record<string, number>
  readonly firstStatuses: Record<string, number>
  readonly retried: number
  readonly serverErrors: number
  readonly hangs: number
  readonly networkErrors: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly wallMs: number
  readonly health: { readonly probes: number; readonly worstMs: number; readonly failures: ReadonlyArray<string> }
}
export interface Hold {
  readonly host: string
  readonly slot: { readonly start: string; readonly end: string }
  readonly bookingId: string
  /** Known live from its answer (epoch ms) until it expires. */
  readonly liveFrom: number
  readonly liveUntil: number
}
export interface Scenario {
  readonly name: string
  readonly outcome: BurstOutcome
  readonly holds?: number
  readonly overlaps?: number
  readonly statusErrors?: number
  readonly indexedMs: number
}
export interface Window { readonly start: string; readonly end: string }
export interface Offer { readonly uri: string; readonly indexedMs: number }

export declare const mapLimit: <T, R>(items: ReadonlyArray<T>, limit: number, work: (item: T, index: number) => Promise<R>) => Promise<Array<R>>
export declare const createAccounts: (pdsUrl: string, prefix: string, n: number, concurrency?: number) => Promise<Array<Account>>
export declare const mintToken: (account: Account, nsid: string) => Promise<string>
export declare const prepareCall: (appviewUrl: string, account: Account, nsid: string, options?: { params?: Record<string, unknown>; body?: unknown }) => Promise<PreparedCall>
export declare const watchHealth: (appviewUrl: string, everyMs?: number) => () => Promise<BurstOutcome["health"]>
export declare const burst: (appviewUrl: string, calls: ReadonlyArray<PreparedCall>, options?: { timeoutMs?: number; retryForMs?: number }) => Promise<BurstOutcome>
export declare const publishOffer: (appviewUrl: string, host: Account, window: Window, options?: { policy?: string; timeoutMs?: number }) => Promise<Offer>
export declare const holdsOf: (appviewUrl: string, results: ReadonlyArray<CallResult>, options?: { timeoutMs?: number }) => Promise<{ holds: Array<Hold>; pendingSettled: number; statusErrors: number }>
export declare const overlapsOf: (holds: ReadonlyArray<Hold>) => Array<[Hold, Hold]>
export declare const prepareMatch: (appviewUrl: string, guest: Account, host: Account, offer: Offer, window: Window) => Promise<PreparedCall>
export declare const prepareAvailability: (appviewUrl: string, guest: Account, host: Account, offer: Offer, window: Window) => Promise<PreparedCall>
export declare const prepareOffers: (appviewUrl: string, guest: Account, host: Account) => Promise<PreparedCall>
export declare const describeBurst: (name: string, outcome: BurstOutcome, extra?: Record<string, unknown>) => string
export declare const dayAt: (plusDays: number, hhmm: string) => string
export declare const runLoadScenarios: (options: {
  appviewUrl: string
  pdsUrl: string
  oneHostMatches: number
  readCalls: number
  spreadMatches: number
  spreadHosts: number
  say?: (line: string) => void
}) => Promise<Array<Scenario>>
export declare const describeScenario: (scenario: Scenario) => string
export declare const CLIENT_CONNECTIONS: number
