import type { Account, UserCalendar } from "./overlapClient.mjs"
import type { Radicale } from "./localRadicale.mjs"

export interface Urls { readonly appviewUrl: string; readonly pdsUrl: string; readonly receiverUrl: string }
export declare const defaultUrls: () => Urls
export declare const tomorrowAt: (hhmm: string, plusDays?: number) => string
export declare const connectCaldav: (appviewUrl: string, account: Account, radicale: Radicale) => Promise<UserCalendar>
export declare const readLocalIcs: (bookingId: string, sequence: number) => string | undefined
export declare const runJourney: (options: Urls & { say?: (line: string) => void; useRadicale?: boolean }) => Promise<{ host: Account; guest: Account; offerUri: string; bookingId: string }>
