import type { WebEnv } from "../../workers/env"

const DID = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%-]+(:[a-zA-Z0-9.%-]+)*)$/

/**
 * The DID a handle names, asked of `HANDLE_RESOLVER_URL`'s `com.atproto.identity.resolveHandle` (a Bluesky AppView
 * in production, which checks the handle both ways; the local PDS in development, where `.test` handles live).
 * Undefined when the handle names no account; throws when the resolver cannot be reached.
 */
export const resolveHandle = async (env: WebEnv, handle: string): Promise<string | undefined> => {
  const url = new URL("/xrpc/com.atproto.identity.resolveHandle", env.HANDLE_RESOLVER_URL)
  url.searchParams.set("handle", handle)
  const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(5_000) })
  if (response.status === 400 || response.status === 404) return (await response.body?.cancel(), undefined)
  if (!response.ok) throw new Error(`resolveHandle answered ${response.status}`)
  const body = (await response.json()) as { did?: unknown }
  return typeof body.did === "string" && DID.test(body.did) ? body.did : undefined
}
