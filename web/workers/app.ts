import { createRequestHandler } from "react-router"
import type { WebEnv } from "./env"

/**
 * Paths the AppView answers: the XRPC API, atproto sign-in (`/oauth/login`, `/oauth/callback`, `/oauth/logout`,
 * the client metadata and JWKS), the calendar connectors' OAuth (`/oauth/<provider>/…`) and the signed one-time
 * export downloads (`/account/export/…`, the links requestExport answers under PUBLIC_URL). The browser sees one
 * origin, so the session cookie and the CSRF token are same-origin.
 */
export const forwardedToAppView = (pathname: string): boolean =>
  pathname.startsWith("/xrpc/") ||
  pathname.startsWith("/oauth/") ||
  pathname === "/oauth-client-metadata.json" ||
  pathname.startsWith("/account/export/")

const requestHandler = createRequestHandler(() => import("virtual:react-router/server-build"), import.meta.env.MODE)

/** The web Worker's own health: it is up, and whether the AppView answers through the binding. */
const health = async (env: WebEnv): Promise<Response> => {
  const appview = await env.APPVIEW.fetch("http://appview/healthz").then(
    (response) => (response.body?.cancel(), response.ok),
    () => false
  )
  return Response.json({ ok: appview, worker: "overlap-web", bindings: { APPVIEW: appview ? "reachable" : "unreachable" } }, { status: appview ? 200 : 503 })
}

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url)
    if (forwardedToAppView(pathname)) return env.APPVIEW.fetch(request)
    if (pathname === "/healthz") return health(env)
    return requestHandler(request, { cloudflare: { env, ctx } })
  }
} satisfies ExportedHandler<WebEnv>
