import type { LoaderFunctionArgs } from "react-router"
import { appviewFor } from "../lib/appview.server"
import { resolveHandle } from "../lib/resolveHandle.server"
import { XrpcError } from "../lib/xrpc"

/** An atproto handle (syntax only; the resolver says whether it names an account). */
const HANDLE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/

const answer = (status: number, body: Record<string, string>) => Response.json(body, { status, headers: { "cache-control": "no-store" } })

/**
 * `GET /app/account/resolve-handle?handle=…` → `{ did }`: the DID a handle names, for /app/account's typed deletion
 * confirmation (the browser cannot ask the resolver itself). Signed-in visitors only; a JSON resource route, so
 * errors are `{ error, message }` like the API's: 400 naming `handle`, 404 for a handle no account has, 503 when the
 * resolver does not answer, the AppView's own answer (401) without a live session.
 */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const env = context.cloudflare.env
  const handle = (new URL(request.url).searchParams.get("handle") ?? "").trim().replace(/^@/, "").toLowerCase()
  if (handle.length > 253 || !HANDLE.test(handle)) return answer(400, { error: "InvalidRequest", message: "handle: not a handle (like alice.example.com)" })
  try {
    await appviewFor(env, request).query("app.overlap.session.getSettings", {})
  } catch (error) {
    if (error instanceof XrpcError) return answer(error.status, { error: error.error, message: error.message })
    throw error
  }
  const did = await resolveHandle(env, handle).catch(() => null)
  if (did === null) return answer(503, { error: "ResolverUnavailable", message: "the handle resolver did not answer; try again" })
  if (did === undefined) return answer(404, { error: "HandleNotFound", message: `handle: no account has the handle ${handle}` })
  return answer(200, { did })
}
