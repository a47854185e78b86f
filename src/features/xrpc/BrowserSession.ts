import { HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { cookieValue, sameSecret } from "../../domain/oauth/browserBinding"
import { CSRF_HEADER, originAllowed, sessionCookieName } from "../../domain/signin/webSession"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { CsrfRejected, SessionInvalid, type SessionStoreUnavailable, WebSessions } from "../../services/WebSessions"

/** The session cookie of a request, under either name (`__Host-` over https, the plain one on http://127.0.0.1 in dev). */
export const sessionCookieOf = (cookieHeader: string | undefined): string | undefined =>
  cookieValue(cookieHeader ?? null, sessionCookieName(true)) ?? cookieValue(cookieHeader ?? null, sessionCookieName(false))

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * The origins a browser request may come from: the origin of the URL it was sent to (the web worker forwards the
 * browser's own request, so this is the site the browser is on), its Host, and the configured public origin.
 */
export const allowedOrigins = (requestUrl: string | undefined, host: string | undefined, publicUrl: string | undefined): ReadonlyArray<string> => [
  ...(requestUrl !== undefined && URL.canParse(requestUrl) ? [new URL(requestUrl).origin] : []),
  ...(host ? [`https://${host}`, `http://${host}`] : []),
  ...(publicUrl ? [new URL(publicUrl).origin] : [])
]

/**
 * The signed-in person behind a browser request (docs/signin.md): `None` without a session cookie; with one, the
 * session must be live (else 401 SessionInvalid, never a fall-back to anonymous), and a state-changing request must
 * come from this origin (`Origin`, `Sec-Fetch-Site`) and carry the session's CSRF token in `x-overlap-csrf`
 * (else 403 CsrfRejected).
 */
export const browserSessionDid: Effect.Effect<
  Option.Option<string>,
  SessionInvalid | CsrfRejected | SessionStoreUnavailable,
  HttpServerRequest.HttpServerRequest | WebSessions | CloudflareEnv
> = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const id = sessionCookieOf(request.headers.cookie)
  if (id === undefined || id === "") return Option.none()
  const sessions = yield* WebSessions
  const session = yield* sessions.resolve(id)
  if (Option.isNone(session)) {
    return yield* new SessionInvalid({ message: "session: signed out or expired; sign in again" })
  }
  if (!SAFE_METHODS.has(request.method)) {
    const env = yield* CloudflareEnv
    const source = request.source instanceof Request ? request.source.url : undefined
    const allowed = allowedOrigins(source, request.headers.host, env.PUBLIC_URL)
    if (!originAllowed({ origin: request.headers.origin, secFetchSite: request.headers["sec-fetch-site"] }, allowed)) {
      return yield* new CsrfRejected({ message: "Origin: a state-changing request must come from this site" })
    }
    const token = request.headers[CSRF_HEADER] ?? ""
    if (!sameSecret(token, session.value.csrf)) {
      return yield* new CsrfRejected({ message: `${CSRF_HEADER}: missing or wrong CSRF token` })
    }
  }
  return Option.some(session.value.did)
})
