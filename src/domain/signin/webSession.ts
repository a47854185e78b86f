/**
 * The browser side of a signed-in session (issue 13, docs/signin.md): cookie names and attributes, the opaque
 * session id, the CSRF token bound to it, and the expiry rules. Pure: no storage, no clock of its own.
 */
import { base64url } from "../oauth/pkce"

/** The session cookie: HttpOnly, so page scripts never see the id. `__Host-` wherever it can be Secure. */
export const sessionCookieName = (secure: boolean): string => (secure ? "__Host-overlap-session" : "overlap-session")
/** The CSRF cookie the page reads and echoes in `x-overlap-csrf` (double submit, bound to the session id). */
export const csrfCookieName = (secure: boolean): string => (secure ? "__Host-overlap-csrf" : "overlap-csrf")
/** The sign-in flow cookie: binds the OAuth state to the browser that started it. */
export const signInCookieName = (secure: boolean): string => (secure ? "__Host-overlap-signin" : "overlap-signin")
/** The header a state-changing browser request carries its CSRF token in. */
export const CSRF_HEADER = "x-overlap-csrf"

/** A session lasts at most 30 days from sign-in, and ends after 7 days without use. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000
export const SESSION_IDLE_MS = 7 * 24 * 3600_000
/** `last_seen_at` is written at most this often (a read per request, a write per five minutes). */
export const SESSION_TOUCH_MS = 5 * 60_000
/** How long a sign-in may take from /oauth/login to /oauth/callback (the OAuth state's and flow cookie's life). */
export const SIGN_IN_TTL_SECONDS = 600

/** 32 random bytes, base64url: a session id or a flow nonce. */
export const randomToken = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)))

/** A token as `randomToken` makes it; anything else is not one (checked before any lookup). */
export const isRandomToken = (value: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(value)

const sha256 = async (text: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))))

/** What the server stores for a session id: its SHA-256, so the table signs nobody in. */
export const sessionIdHash = (id: string): Promise<string> => sha256(`overlap-session\u0000${id}`)

/** The CSRF token of a session: derived from its id, so only a page of this origin (which can read the cookie) has it. */
export const csrfTokenOf = (id: string): Promise<string> => sha256(`overlap-csrf\u0000${id}`)

/** BASE64URL(SHA-256(nonce)) of the sign-in flow cookie: what the OAuth state keeps. */
export const flowNonceHash = (nonce: string): Promise<string> => sha256(`overlap-signin\u0000${nonce}`)

export interface StoredSessionTimes {
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly revokedAt: number | null
}

/** Why a stored session no longer signs anyone in, or undefined while it does. */
export const sessionEnded = (s: StoredSessionTimes, now: number): string | undefined => {
  if (s.revokedAt !== null) return "signed out"
  if (now >= s.expiresAt) return "expired"
  if (now - s.lastSeenAt >= SESSION_IDLE_MS) return "idle too long"
  return undefined
}

export interface CookieOptions {
  /** Secure + `__Host-` names; false only for http://127.0.0.1 in development. */
  readonly secure: boolean
}

const attributes = (secure: boolean, maxAgeSeconds: number, httpOnly: boolean) =>
  `Path=/; Max-Age=${maxAgeSeconds}${httpOnly ? "; HttpOnly" : ""}${secure ? "; Secure" : ""}; SameSite=Lax`

export const sessionCookies = (id: string, csrf: string, { secure }: CookieOptions): ReadonlyArray<string> => [
  `${sessionCookieName(secure)}=${id}; ${attributes(secure, SESSION_ABSOLUTE_MS / 1000, true)}`,
  `${csrfCookieName(secure)}=${csrf}; ${attributes(secure, SESSION_ABSOLUTE_MS / 1000, false)}`
]

export const clearedSessionCookies = ({ secure }: CookieOptions): ReadonlyArray<string> => [
  `${sessionCookieName(secure)}=; ${attributes(secure, 0, true)}`,
  `${csrfCookieName(secure)}=; ${attributes(secure, 0, false)}`
]

export const signInCookie = (nonce: string, { secure }: CookieOptions): string =>
  `${signInCookieName(secure)}=${nonce}; ${attributes(secure, SIGN_IN_TTL_SECONDS, true)}`

export const clearedSignInCookie = ({ secure }: CookieOptions): string => `${signInCookieName(secure)}=; ${attributes(secure, 0, true)}`

/** Cookies may drop `Secure` only on plain-http loopback in development (browsers keep Secure cookies off http). */
export const cookieOptionsFor = (url: URL, environment: string): CookieOptions => ({
  secure: !(environment === "development" && url.protocol === "http:")
})

/**
 * The Origin check of a state-changing browser request: the request must say where it came from, and that must be
 * one of this service's origins. `Sec-Fetch-Site: cross-site` is refused even when Origin is absent.
 */
export const originAllowed = (
  headers: { readonly origin?: string | undefined; readonly secFetchSite?: string | undefined },
  allowed: ReadonlyArray<string>
): boolean => {
  if (headers.secFetchSite === "cross-site") return false
  if (headers.origin === undefined || headers.origin === "null") return false
  return allowed.includes(headers.origin)
}
