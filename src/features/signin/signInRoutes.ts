import { Effect, Option } from "effect"
import { cookieValue, sameSecret } from "../../domain/oauth/browserBinding"
import {
  clearedSessionCookies,
  clearedSignInCookie,
  cookieOptionsFor,
  CSRF_HEADER,
  flowNonceHash,
  isRandomToken,
  originAllowed,
  randomToken,
  sessionCookies,
  signInCookie,
  signInCookieName
} from "../../domain/signin/webSession"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { AccountSettings } from "../../services/AccountSettings"
import { AtprotoSessions } from "../../services/AtprotoSessions"
import { AtprotoSignIn, type SignInTarget } from "../../services/AtprotoSignIn"
import { WebSessions } from "../../services/WebSessions"
import type { EmailVerifications } from "../../services/EmailVerifications"
import type { NotifySettings } from "../../services/NotifySettings"
import { offerSignInEmail } from "./emailFromSignIn"
import { allowedOrigins, sessionCookieOf } from "../xrpc/BrowserSession"

/**
 * Sign-in with atproto OAuth, on the AppView beside /xrpc (docs/signin.md):
 *
 *   GET  /oauth-client-metadata.json   the confidential client's metadata (production client_id)
 *   GET  /oauth/jwks.json              its public keys
 *   GET  /oauth/login?handle=…         a handle, a DID or a PDS URL (https://…); `email=1` asks for the e-mail scope;
 *                                      `returnTo=/path` comes back there. Sets the flow cookie, redirects to the PDS.
 *   GET  /oauth/callback               the PDS sends the browser back: one-use state, same browser, identity checked
 *                                      both ways → a new web session (cookie rotated) → redirect to returnTo or /app
 *   POST /oauth/logout                 this origin + the CSRF token: revokes the atproto session and the web sessions
 *
 * `/oauth/<google|microsoft>/…` and `/oauth/connected` are the calendar connectors' (features/connectors).
 */

export type SignInRouteServices = AtprotoSignIn | WebSessions | AccountSettings | AtprotoSessions | CloudflareEnv | NotifySettings | EmailVerifications

const SIGN_IN_PATHS = new Set(["/oauth-client-metadata.json", "/oauth/jwks.json", "/oauth/login", "/oauth/callback", "/oauth/logout"])

/** True for the paths this module answers. */
export const isSignInRoute = (pathname: string): boolean => SIGN_IN_PATHS.has(pathname)

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers }
  })

/** The XRPC error shape, for the browser and the web app alike. */
const refused = (status: number, error: string, message: string, cookies: ReadonlyArray<string> = []) => {
  const response = json(status, { error, message })
  for (const cookie of cookies) response.headers.append("set-cookie", cookie)
  return response
}

const redirect = (location: string, cookies: ReadonlyArray<string>, status = 302) => {
  const response = new Response(null, { status, headers: { location, "cache-control": "no-store" } })
  for (const cookie of cookies) response.headers.append("set-cookie", cookie)
  return response
}

const HANDLE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/
const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/

/** `handle` as a sign-in target, or why it is not one. */
export const signInTargetOf = (input: string): SignInTarget | string => {
  const value = input.trim()
  if (value === "") return "handle: required (a handle, a DID or a PDS URL)"
  if (value.startsWith("https://") || value.startsWith("http://")) {
    try {
      const url = new URL(value)
      return { type: "pds", serviceUrl: url.origin }
    } catch {
      return "handle: not a valid PDS URL"
    }
  }
  if (value.startsWith("did:")) return DID.test(value) && value.length <= 2048 ? { type: "account", identifier: value } : "handle: not a valid DID"
  const handle = value.replace(/^@/, "").toLowerCase()
  return HANDLE.test(handle) ? { type: "account", identifier: handle } : "handle: not a valid handle"
}

/** Only a path on this site (no scheme, no `//host`): anything else goes to /app. */
export const safeReturnTo = (value: string | null): string =>
  value !== null && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 512 ? value : "/app"

const login = (url: URL) =>
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const options = cookieOptionsFor(url, env.ENVIRONMENT)
    const target = signInTargetOf(url.searchParams.get("handle") ?? "")
    if (typeof target === "string") return refused(400, "InvalidRequest", target)
    const nonce = randomToken()
    const browser = yield* Effect.promise(() => flowNonceHash(nonce))
    const signIn = yield* AtprotoSignIn
    const started = yield* Effect.either(signIn.begin({
      origin: url.origin,
      target,
      email: url.searchParams.get("email") === "1",
      browser,
      returnTo: safeReturnTo(url.searchParams.get("returnTo"))
    }))
    if (started._tag === "Left") return refused(started.left.status, "SignInFailed", started.left.message)
    return redirect(started.right.url, [signInCookie(nonce, options)])
  })

const callback = (request: Request, url: URL) =>
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const options = cookieOptionsFor(url, env.ENVIRONMENT)
    const clear = [clearedSignInCookie(options)]
    const nonce = cookieValue(request.headers.get("cookie"), signInCookieName(options.secure)) ?? ""
    if (!isRandomToken(nonce)) {
      return refused(400, "SignInFailed", "This sign-in was not started in this browser: start again from Overlap in the browser you use it in.", clear)
    }
    const signIn = yield* AtprotoSignIn
    const done = yield* Effect.either(signIn.complete({
      origin: url.origin,
      params: url.searchParams,
      browser: yield* Effect.promise(() => flowNonceHash(nonce))
    }))
    if (done._tag === "Left") return refused(done.left.status, "SignInFailed", done.left.message, clear)
    const sessions = yield* WebSessions
    // a new id on every sign-in; the one this browser held before (if any) ends
    const previous = sessionCookieOf(request.headers.get("cookie") ?? undefined)
    if (previous !== undefined) yield* Effect.ignore(sessions.revoke(previous))
    const made = yield* Effect.either(sessions.create(done.right.did, request.headers.get("user-agent") ?? ""))
    if (made._tag === "Left") return refused(503, "SessionStoreUnavailable", made.left.message, clear)
    yield* Effect.ignore(Effect.flatMap(AccountSettings, (s) => s.clearReauthorize(done.right.did)))
    // transition:email granted: the account's address goes to notifications, unverified until its link is opened
    yield* offerSignInEmail(done.right.did, done.right.email)
    return redirect(done.right.returnTo, [...clear, ...sessionCookies(made.right.id, made.right.csrf, options)])
  })

const logout = (request: Request, url: URL) =>
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const options = cookieOptionsFor(url, env.ENVIRONMENT)
    const allowed = allowedOrigins(request.url, request.headers.get("host") ?? undefined, env.PUBLIC_URL)
    const origin = request.headers.get("origin") ?? undefined
    const secFetchSite = request.headers.get("sec-fetch-site") ?? undefined
    if (!originAllowed({ origin, secFetchSite }, allowed)) {
      return refused(403, "CsrfRejected", "Origin: sign-out must come from this site")
    }
    const id = sessionCookieOf(request.headers.get("cookie") ?? undefined)
    if (id === undefined) return refused(401, "SessionInvalid", "session: not signed in", clearedSessionCookies(options))
    const sessions = yield* WebSessions
    const session = yield* Effect.either(sessions.resolve(id))
    if (session._tag === "Left") return refused(503, "SessionStoreUnavailable", session.left.message)
    if (Option.isNone(session.right)) return refused(401, "SessionInvalid", "session: signed out or expired", clearedSessionCookies(options))
    const form = request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(yield* Effect.promise(() => request.text())).get("csrf")
      : null
    const token = request.headers.get(CSRF_HEADER) ?? form ?? ""
    if (!sameSecret(token, session.right.value.csrf)) {
      return refused(403, "CsrfRejected", `${CSRF_HEADER}: missing or wrong CSRF token`)
    }
    const did = session.right.value.did
    yield* Effect.flatMap(AtprotoSessions, (atproto) => atproto.signOut(did))
    yield* Effect.ignore(sessions.revokeAll(did))
    return redirect("/", clearedSessionCookies(options), 303)
  })

/** Answers one sign-in route (isSignInRoute); every refusal is a 4xx `{ error, message }`, never a 500. */
export const handleSignInRoute = (request: Request): Effect.Effect<Response, never, SignInRouteServices> =>
  Effect.gen(function*() {
    const url = new URL(request.url)
    const method = request.method
    switch (url.pathname) {
      case "/oauth-client-metadata.json": {
        if (method !== "GET") return refused(405, "MethodNotAllowed", "use GET")
        const metadata = yield* Effect.either(Effect.flatMap(AtprotoSignIn, (s) => s.clientMetadata(url.origin)))
        return metadata._tag === "Right" ? json(200, metadata.right) : refused(metadata.left.status, "SignInFailed", metadata.left.message)
      }
      case "/oauth/jwks.json": {
        if (method !== "GET") return refused(405, "MethodNotAllowed", "use GET")
        const jwks = yield* Effect.either(Effect.flatMap(AtprotoSignIn, (s) => s.jwks))
        return jwks._tag === "Right" ? json(200, jwks.right) : refused(jwks.left.status, "SignInFailed", jwks.left.message)
      }
      case "/oauth/login":
        return method === "GET" ? yield* login(url) : refused(405, "MethodNotAllowed", "use GET")
      case "/oauth/callback":
        return method === "GET" ? yield* callback(request, url) : refused(405, "MethodNotAllowed", "use GET")
      case "/oauth/logout":
        return method === "POST" ? yield* logout(request, url) : refused(405, "MethodNotAllowed", "sign out with POST")
      default:
        return refused(404, "NotFound", "no such sign-in route")
    }
  })
