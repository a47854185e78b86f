/**
 * What Overlap asks of each OAuth provider: endpoints (relative to configurable bases so tests point at
 * local servers) and the least scopes that work. docs/connectors.md explains each scope.
 */

export type OAuthProvider = "google" | "microsoft"

export const GOOGLE_SCOPES = {
  /** freeBusy.query on the user's calendars. */
  freeBusy: "https://www.googleapis.com/auth/calendar.freebusy",
  /** insert / patch / delete / watch events, on calendars the user owns only. */
  eventsOwned: "https://www.googleapis.com/auth/calendar.events.owned",
  /** The list of the user's calendars (to pick which ones count, and the primary calendar's id = address). */
  calendarListReadonly: "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
} as const

export const GOOGLE_REQUIRED_SCOPES: ReadonlyArray<string> = [
  GOOGLE_SCOPES.freeBusy,
  GOOGLE_SCOPES.eventsOwned,
  GOOGLE_SCOPES.calendarListReadonly
]

/** Scopes that imply one we need (a user may already have granted the broader one). */
export const GOOGLE_SCOPE_SUPERSETS: Readonly<Record<string, ReadonlyArray<string>>> = {
  [GOOGLE_SCOPES.freeBusy]: [
    "https://www.googleapis.com/auth/calendar.events.freebusy",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar"
  ],
  [GOOGLE_SCOPES.eventsOwned]: ["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar"],
  [GOOGLE_SCOPES.calendarListReadonly]: [
    "https://www.googleapis.com/auth/calendar.calendarlist",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar"
  ]
}

/** `offline_access` yields the refresh token; Calendars.ReadWrite covers getSchedule, events and subscriptions. */
export const MICROSOFT_REQUIRED_SCOPES: ReadonlyArray<string> = ["offline_access", "Calendars.ReadWrite"]

export const PRODUCTION_BASES = {
  googleAccounts: "https://accounts.google.com",
  googleOAuth: "https://oauth2.googleapis.com",
  googleApi: "https://www.googleapis.com",
  microsoftLogin: "https://login.microsoftonline.com/common",
  graphApi: "https://graph.microsoft.com/v1.0"
} as const

export const trimBase = (base: string): string => base.replace(/\/+$/, "")

export const googleEndpoints = (accountsBase: string, oauthBase: string) => ({
  authorize: `${trimBase(accountsBase)}/o/oauth2/v2/auth`,
  token: `${trimBase(oauthBase)}/token`,
  revoke: `${trimBase(oauthBase)}/revoke`
})

/** `loginBase` includes the tenant segment (`…/common`, `…/organizations`, or a tenant id). */
export const microsoftEndpoints = (loginBase: string) => ({
  authorize: `${trimBase(loginBase)}/oauth2/v2.0/authorize`,
  token: `${trimBase(loginBase)}/oauth2/v2.0/token`
})

/** Where the provider sends the browser back: the AppView's `/oauth/<provider>/callback`. */
export const redirectUriFor = (publicUrl: string, provider: OAuthProvider): string =>
  `${trimBase(publicUrl)}/oauth/${provider}/callback`

/** The one-time link `connector.start` answers: the user's browser opens it to start the flow there. */
export const beginUriFor = (publicUrl: string, provider: OAuthProvider, ticket: string): string =>
  `${trimBase(publicUrl)}/oauth/${provider}/begin?ticket=${encodeURIComponent(ticket)}`

/**
 * Which required scopes a token response did not grant. Google's granular consent lets the user untick
 * scopes; Microsoft may omit `offline_access` from the echoed scope (the refresh token shows it was granted).
 */
export const missingScopes = (provider: OAuthProvider, granted: string | undefined, hasRefreshToken: boolean): ReadonlyArray<string> => {
  if (granted === undefined) return [] // RFC 6749 §5.1: omitted scope means "as requested"
  const have = new Set(granted.split(/\s+/).filter((s) => s !== ""))
  if (provider === "google") {
    return GOOGLE_REQUIRED_SCOPES.filter((scope) => !have.has(scope) && !(GOOGLE_SCOPE_SUPERSETS[scope] ?? []).some((s) => have.has(s)))
  }
  const lower = new Set([...have].map((s) => s.toLowerCase().replace(/^https:\/\/graph\.microsoft\.com\//, "")))
  return MICROSOFT_REQUIRED_SCOPES.filter((scope) => {
    if (scope === "offline_access") return !hasRefreshToken && !lower.has("offline_access")
    return !lower.has(scope.toLowerCase())
  })
}
