import { Effect, Option } from "effect"
import type { OAuthProvider } from "../../domain/oauth/providers"
import { trimBase } from "../../domain/oauth/providers"
import { ConnectorSettings } from "./ConnectorSettings"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { OAuthClient } from "../../services/OAuthClient"
import { TokenVault } from "../../services/TokenVault"
import { MAX_CONNECTORS_PER_USER, UserConnectors } from "../../services/UserConnectors"

/**
 * The AppView's OAuth routes (plain routes beside /xrpc, dispatched in src/entry/appview.ts):
 *
 *   GET /oauth/<google|microsoft>/callback?code=…&state=…   the provider sends the browser back here
 *   GET /oauth/connected?provider=…                          the small page the callback redirects to
 *
 * The callback consumes the single-use state (OAuthClient.callback, PKCE verifier from SESSION_NONCES), seals
 * the refresh token with TokenVault at once (D1 gets ciphertext only), records the connector as pending and
 * hands the fresh access token, in memory, to the user's UserConnectorDO, which lists the calendars, opens
 * the push channel and makes the connector active. The access token is never stored.
 */

export type OAuthRouteServices = OAuthClient | TokenVault | ConnectorsRepo | UserConnectors | ConnectorSettings

const CALLBACK_PATH = /^\/oauth\/(google|microsoft)\/callback$/
export const CONNECTED_PATH = "/oauth/connected"

const PROVIDER_NAMES: Readonly<Record<OAuthProvider, string>> = { google: "Google Calendar", microsoft: "Microsoft Outlook" }

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const page = (status: number, title: string, body: string): Response =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)} · Overlap</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style>` +
      `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`,
    {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
      }
    }
  )

/** True for the paths this module answers. */
export const isOAuthRoute = (pathname: string): boolean => pathname === CONNECTED_PATH || CALLBACK_PATH.test(pathname)

const connectedPage = (url: URL) => {
  const provider = url.searchParams.get("provider")
  const name = provider === "google" || provider === "microsoft" ? PROVIDER_NAMES[provider] : "Your calendar"
  return page(200, `${name} is connected`, "Overlap now counts its busy time when you are matched. You can close this window.")
}

/** The callback: code + state → sealed tokens → connector → activated by the user's object → redirect. */
const callback = (url: URL, provider: OAuthProvider): Effect.Effect<Response, never, OAuthRouteServices> =>
  Effect.gen(function*() {
    const name = PROVIDER_NAMES[provider]
    // The user declined at the consent screen (or the provider refused): nothing to exchange.
    if (url.searchParams.get("error") !== null) {
      return page(400, `${name} was not connected`, "Access was not granted. You can start again from Overlap.")
    }
    const code = url.searchParams.get("code")
    const state = url.searchParams.get("state")
    if (code === null || code === "" || state === null || state === "") {
      return page(400, `${name} was not connected`, "The link is incomplete (code and state are required). Start again from Overlap.")
    }
    const oauth = yield* OAuthClient
    const vault = yield* TokenVault
    const repo = yield* ConnectorsRepo
    const connectors = yield* UserConnectors
    const settings = yield* ConnectorSettings

    const granted = yield* Effect.either(oauth.callback(provider, code, state))
    if (granted._tag === "Left") {
      const error = granted.left
      switch (error._tag) {
        case "OAuthStateInvalid":
          return page(400, `${name} was not connected`, "This link has expired or was already used. Start again from Overlap.")
        case "OAuthGrantIncomplete":
          return page(400, `${name} was not connected`, `Overlap needs every permission it asked for (missing: ${error.missing.join(", ")}). Start again and keep them all ticked.`)
        case "OAuthNotConfigured":
          return page(503, `${name} is not available`, "This Overlap service does not offer this calendar provider.")
        case "ConnectorBroken":
          return page(400, `${name} was not connected`, "The provider refused the sign-in. Start again from Overlap.")
        default:
          return page(502, `${name} was not connected`, "The provider could not be reached. Please try again in a moment.")
      }
    }
    const { did, tokens } = granted.right
    const existing = yield* repo.listForDid(did).pipe(Effect.orDie)
    if (existing.length >= MAX_CONNECTORS_PER_USER) {
      return page(400, `${name} was not connected`, `An account can have at most ${MAX_CONNECTORS_PER_USER} calendar connectors.`)
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
        ? page(400, `${name} was not connected`, "The account did not give Overlap what it needs (for example, no mailbox calendar). Start again from Overlap.")
        : page(502, `${name} is almost connected`, "Overlap could not finish setting it up right now and will keep trying. You can close this window.")
    }
    const base = Option.match(Option.fromNullable(settings.publicUrl), { onNone: () => "", onSome: trimBase })
    return new Response(null, {
      status: 303,
      headers: { location: `${base}${CONNECTED_PATH}?provider=${provider}`, "cache-control": "no-store", "referrer-policy": "no-referrer" }
    })
  }).pipe(
    Effect.catchAllCause((cause) =>
      Effect.as(Effect.logError("oauth callback failed", cause), page(500, "Something went wrong", "The calendar was not connected. Please try again.")))
  )

/** The Response for an OAuth route (GET only); call when `isOAuthRoute(pathname)`. */
export const handleOAuthRoute = (request: Request): Effect.Effect<Response, never, OAuthRouteServices> => {
  const url = new URL(request.url)
  if (request.method !== "GET") return Effect.succeed(new Response(null, { status: 405, headers: { allow: "GET" } }))
  if (url.pathname === CONNECTED_PATH) return Effect.succeed(connectedPage(url))
  const match = CALLBACK_PATH.exec(url.pathname)
  if (match === null) return Effect.succeed(new Response("not found", { status: 404 }))
  return callback(url, match[1] as OAuthProvider)
}
