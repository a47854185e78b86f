/** A real local CalDAV server (Debian's radicale) on 127.0.0.1 and a free port; see localRadicale.mjs. */
export interface Radicale {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  readonly url: string
  readonly username: string
  readonly password: string
  /** The user's home collection, e.g. http://127.0.0.1:41234/alice/ */
  readonly homeUrl: string
  /** fetch against the server with the user's credentials (for setup, not the code under test). */
  readonly request: (pathOrUrl: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>
  /** Creates a calendar collection (MKCALENDAR) in the user's home; returns its URL. */
  readonly makeCalendar: (name: string, options?: { timezone?: string; components?: ReadonlyArray<string> }) => Promise<string>
  /** PUTs an iCalendar object into a calendar; returns its ETag. */
  readonly putObject: (calendarUrl: string, name: string, ics: string) => Promise<string>
  readonly stop: () => Promise<void>
}

export declare const startRadicale: (options?: { username?: string; password?: string }) => Promise<Radicale>
export declare const radicaleInstalled: () => boolean
