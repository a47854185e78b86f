import type { Account, UserCalendar } from "./overlapClient.mjs"
import type { Radicale } from "./localRadicale.mjs"

export interface Urls { readonly appviewUrl: string; readonly pdsUrl: string; readonly receiverUrl: string; readonly chatUrl: string; readonly wranglerUrl: string }
export declare const defaultUrls: () => Urls
export declare const tomorrowAt: (hhmm: string, plusDays?: number) => string
export declare const connectCaldav: (appviewUrl: string, account: Account, radicale: Radicale) => Promise<UserCalendar>
export declare const readLocalIcs: (bookingId: string, sequence: number) => string | undefined
export declare const runJourney: (options: Urls & { say?: (line: string) => void; useRadicale?: boolean }) => Promise<{ host: Account; guest: Account; offerUri: string; bookingId: string; notices: JourneyNotices }>
export interface JourneyMail {
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
  readonly headers: Record<string, string>
  readonly calendar?: { readonly method: string; readonly ics: string }
  readonly eml: string
}
export interface JourneyNotices {
  readonly hostAddress: string
  readonly guestAddress: string
  /** [host's, guest's] per step */
  readonly mails: { readonly confirmed: ReadonlyArray<JourneyMail>; readonly notMoved: JourneyMail; readonly rescheduled: ReadonlyArray<JourneyMail>; readonly reminder: ReadonlyArray<JourneyMail>; readonly canceled: ReadonlyArray<JourneyMail> }
  readonly dms: ReadonlyArray<{ readonly sender: string; readonly recipients: ReadonlyArray<string>; readonly text: string }>
}
