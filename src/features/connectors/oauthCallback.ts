import { Cause, Effect, Option } from "effect"
import { clearedFlowCookie, cookieValue, flowCookie, flowCookieName, sameSecret } from "../../domain/oauth/browserBinding"
import { makeState } from "../../domain/oauth/pkce"
import type { OAuthProvider } from "../../domain/oauth/providers"
import { trimBase } from "../../domain/oauth/providers"
import { ConnectorSettings } from "./ConnectorSettings"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { OAuthClient, type OAuthStateInvalid } from "../../services/OAuthClient"
import { TokenVault, vaultNotConfiguredIn } from "../../services/TokenVault"
import { MAX_CONNECTORS_PER_USER, UserConnectors } from "../../services/UserConnectors"
import { confirmationPage, connectedPage, page, PROVIDER_NAMES } from "./oauthPages"

/**
 * The AppView's OAuth routes (plain routes beside /xrpc, dispatched in src/entry/appview.ts):
 *
 *   GET  /oauth/<google|microsoft>/begin?ticket=…            the link connector.start answers; opened by the user's browser
 *   GET  /oauth/<google|microsoft>/callback?code=…&state=…   the provider sends the browser back here: a confirmation page
 *   POST /oauth/<google|microsoft>/callback                  the confirmation form: connects
 *   GET  /oauth/connected?provider=…                          the small page after connecting
 *
 * A flow is bound to the browser that opened the begin link (issue 12, item 6): begin sets an HttpOnly, Secure,
 * SameSite=Lax cookie holding a random nonce whose SHA-256 the state record keeps; the callback and its POST are
 * refused without that cookie. The callback GET stores nothing: it names the Overlap account (DID) the calendar
 * would be connected to, and only the form's POST (same origin, carrying the nonce) exchanges the code.
 *
 * The POST consumes the single-use state (OAuthClient.callback, PKCE verifier from SESSION_NONCES), seals the
 * refresh token with TokenVault at once (D1 gets ciphertext only), records the connector as pending and hands the
 * fresh access token, in memory, to the user's UserConnectorDO, which lists the calendars, opens the push channel
 * and makes the connector active. The access token is never stored.
 */

export type OAuthRouteServices = OAuthClient | TokenVault | ConnectorsRepo | UserConnectors | ConnectorSettings

const ROUTE_PATH = /^\/oauth\/(google|microsoft)\/(begin|callback)$/
export const CONNECTED_PATH = "/oauth/connected"
/** The most a confirmation form may weigh (code + state + csrf fit in far less). */
export const MAX_CONFIRMATION_BYTES = 8 * 1024

/** True for the paths this module answers. */
export const isOAuthRoute = (pathname: string): boolean => pathname === CONNECTED_PATH || ROUTE_PATH.test(pathname)

const stateRefused = (name: string, error: OAuthStateInvalid, provider: OAuthProvider) =>
  page(
    400,
    `${name} was not connected`,
    error.reason === "state was started in another browser" || error.reason === "malformed browser nonce"
      ? "This sign-in was not started in this browser. Start again from Overlap, in the browser you use it in."
      : "This link has expired or was already used. Start again from Overlap.",
    { "set-cookie": clearedFlowCookie(provider) }
  )

/** GET begin: the ticket → this browser's flow cookie → the provider's consent screen. */
const begin = (url: URL, provider: OAuthProvider): Effect.Effect<Response, never, OAuthClient> =>
  Effect.gen(function*() {
    const name = PROVIDER_NAMES[provider]
    const ticket = url.searchParams.get("ticket") ?? ""
    const nonce = makeState()
    const oauth = yield* OAuthClient
    const started = yield* Effect.either(oauth.begin(provider, ticket, nonce))
    if (started._tag === "Left") {
      const error = started.left
      if (error._tag === "OAuthStateInvalid") return stateRefused(name, error, provider)
      if (error._tag === "OAuthNotConfigured") return page(503, `${name} is not available`, "This Overlap service does not offer this calendar provider.")
      return page(503, `${name} was not connected`, "Overlap could not start the sign-in right now. Please try again in a moment.")
    }
    return new Response(null, {
      status: 302,
      headers: { location: started.right.authorizationUrl, "set-cookie": flowCookie(provider, nonce), "cache-control": "no-store", "referrer-policy": "no-referrer" }
    })
  })

/** GET callback: checks the browser, then asks. Stores nothing. */
const confirm = (request: Request, url: URL, provider: OAuthProvider): Effect.Effect<Response, never, OAuthClient> =>
  Effect.gen(function*() {
    const name = PROVIDER_NAMES[provider]
    // The user declined at the consent screen (or the provider refused): nothing to exchange.
    if (url.searchParams.get("error") !== null) {
      return page(400, `${name} was not connected`, "Access was not granted. You can start again from Overlap.", { "set-cookie": clearedFlowCookie(provider) })
    }
    const code = url.searchParams.get("code")
    const state = url.searchParams.get("state")
    if (code === null || code === "" || state === null || state === "") {
      return page(400, `${name} was not connected`, "The link is incomplete (code and state are required). Start again from Overlap.")
    }
    const nonce = cookieValue(request.headers.get("cookie"), flowCookieName(provider)) ?? ""
    const oauth = yield* OAuthClient
    const flow = yield* Effect.either(oauth.pending(provider, state, nonce))
    if (flow._tag === "Left") {
      return flow.left._tag === "OAuthStateInvalid"
        ? stateRefused(name, flow.left, provider)
        : page(503, `${name} was not connected`, "Overlap could not check this sign-in right now. Please try again in a moment.")
    }
    return confirmationPage({ provider, did: flow.right.did, action: url.pathname, code, state, csrf: nonce })
  })

/** The origin a confirmation form must come from: PUBLIC_URL's, else the request's own. */
const expectedOrigin = (url: URL, publicUrl: string | undefined) =>
  publicUrl !== undefined && URL.canParse(publicUrl) ? new URL(publicUrl).origin : url.origin

const readForm = (request: Request): Effect.Effect<URLSearchParams | "too-large" | "unreadable"> =>
  Effect.gen(function*() {
    const declared = Number(request.headers.get("content-length") ?? "0")
    if (Number.isFinite(declared) && declared > MAX_CONFIRMATION_BYTES) return "too-large" as const
    const bytes = yield* Effect.either(Effect.tryPromise(() => request.arrayBuffer()))
    if (bytes._tag === "Left") return "unreadable" as const
    if (bytes.right.byteLength > MAX_CONFIRMATION_BYTES) return "too-large" as const
    return new URLSearchParams(new TextDecoder().decode(bytes.right))
  })

/** POST callback: the confirmation form → code exchange → sealed tokens → connector → activated → redirect. */
const connect = (request: Request, url: URL, provider: OAuthProvider): Effect.Effect<Response, never, OAuthRouteServices> =>
  Effect.gen(function*() {
    const name = PROVIDER_NAMES[provider]
    const settings = yield* ConnectorSettings
    const refused = (status: number, body: string) => page(status, `${name} was not connected`, body, { "set-cookie": clearedFlowCookie(provider) })
    // CSRF: the form must come from this origin's page, and carry the nonce of this browser's flow cookie.
    if (request.headers.get("origin") !== expectedOrigin(url, settings.publicUrl)) {
      return refused(403, "This confirmation did not come from Overlap's own page. Start again from Overlap.")
    }
    const form = yield* readForm(request)
    if (form === "too-large") return refused(413, "The confirmation is larger than any Overlap sends.")
    if (form === "unreadable") return refused(400, "The confirmation could not be read. Start again from Overlap.")
    const code = form.get("code") ?? ""
    const state = form.get("state") ?? ""
    const csrf = form.get("csrf") ?? ""
    const nonce = cookieValue(request.headers.get("cookie"), flowCookieName(provider)) ?? ""
    if (code === "" || state === "") return refused(400, "The confirmation is incomplete (code and state are required). Start again from Overlap.")
    if (nonce === "" || !sameSecret(csrf, nonce)) {
      return refused(403, "This sign-in was not started in this browser. Start again from Overlap, in the browser you use it in.")
    }
    const oauth = yield* OAuthClient
    const vault = yield* TokenVault
    const repo = yield* ConnectorsRepo
    const connectors = yield* UserConnectors

    const granted = yield* Effect.either(oauth.callback(provider, code, state, nonce))
    if (granted._tag === "Left") {
      const error = granted.left
      switch (error._tag) {
        case "OAuthStateInvalid":
          return stateRefused(name, error, provider)
        case "OAuthGrantIncomplete":
          return refused(400, `Overlap needs every permission it asked for (missing: ${error.missing.join(", ")}). Start again and keep them all ticked.`)
        case "OAuthNotConfigured":
          return page(503, `${name} is not available`, "This Overlap service does not offer this calendar provider.")
        case "ConnectorBroken":
          return refused(400, "The provider refused the sign-in. Start again from Overlap.")
        default:
          return refused(502, "The provider could not be reached. Please try again in a moment.")
      }
    }
    const { did, tokens } = granted.right
    const existing = yield* repo.listForDid(did).pipe(Effect.orDie)
    if (existing.length >= MAX_CONNECTORS_PER_USER) {
      return refused(400, `An account can have at most ${MAX_CONNECTORS_PER_USER} calendar connectors.`)
    }
    const connectorId = `${provider}-${crypto.randomUUID()}`
    const sealed = yield* vault.encrypt(tokens.refreshToken, { did, provider, connectorId }).pipe(Effect.orDie)
    yield* repo.create({
      id: connectorId,
      did,
      provider,
      status: "pending",
      accountRef: null,
      sealed,
      tokenExpiresAt: tokens.expiresAt,
      calendars: []
    }).pipe(Effect.orDie)
    const activated = yield* Effect.either(connectors.activate(did, connectorId, { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt }))
    if (activated._tag === "Left") {
      yield* Effect.logWarning("oauth callback: connector stays pending (maintenance retries)", { connectorId, error: activated.left._tag })
      return activated.left._tag === "ConnectorBroken"
        ? refused(400, "The account did not give Overlap what it needs (for example, no mailbox calendar). Start again from Overlap.")
        : page(502, `${name} is almost connected`, "Overlap could not finish setting it up right now and will keep trying. You can close this window.", { "set-cookie": clearedFlowCookie(provider) })
    }
    const base = Option.match(Option.fromNullable(settings.publicUrl), { onNone: () => "", onSome: trimBase })
    return new Response(null, {
      status: 303,
      headers: {
        location: `${base}${CONNECTED_PATH}?provider=${provider}`,
        "set-cookie": clearedFlowCookie(provider),
        "cache-control": "no-store",
        "referrer-policy": "no-referrer"
      }
    })
  })

const failed = <R>(effect: Effect.Effect<Response, never, R>) =>
  effect.pipe(
    Effect.catchAllCause((cause) =>
      Effect.as(
        Effect.logError("oauth route failed", cause),
        // no TOKEN_VAULT_KEYS outside development: the operator's problem, said as such (503), never a 500
        [...Cause.failures(cause), ...Cause.defects(cause)].some((error) => vaultNotConfiguredIn(error) !== undefined)
          ? page(503, "Calendars are not available", "This Overlap service is not fully set up yet, so no calendar can be connected. Nothing was stored; please try again later.")
          : page(500, "Something went wrong", "The calendar was not connected. Please try again.")
      ))
  )

/** The Response for an OAuth route; call when `isOAuthRoute(pathname)`. */
export const handleOAuthRoute = (request: Request): Effect.Effect<Response, never, OAuthRouteServices> => {
  const url = new URL(request.url)
  const notAllowed = (allow: string) => Effect.succeed(new Response(null, { status: 405, headers: { allow } }))
  if (url.pathname === CONNECTED_PATH) return request.method === "GET" ? Effect.succeed(connectedPage(url.searchParams.get("provider"))) : notAllowed("GET")
  const match = ROUTE_PATH.exec(url.pathname)
  if (match === null) return Effect.succeed(new Response("not found", { status: 404 }))
  const provider = match[1] as OAuthProvider
  if (match[2] === "begin") return request.method === "GET" ? failed(begin(url, provider)) : notAllowed("GET")
  if (request.method === "GET") return failed(confirm(request, url, provider))
  if (request.method === "POST") return failed(connect(request, url, provider))
  return notAllowed("GET, POST")
}
