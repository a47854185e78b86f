import type { WebEnv } from "../../workers/env"

const MAX_LOOKUPS = 25

/** One DID's handle: app.bsky.actor.getProfile (a Bluesky AppView), else com.atproto.repo.describeRepo (a PDS). */
const handleOf = async (env: WebEnv, did: string): Promise<string | undefined> => {
  for (const [method, param] of [["app.bsky.actor.getProfile", "actor"], ["com.atproto.repo.describeRepo", "repo"]] as const) {
    const url = new URL(`/xrpc/${method}`, env.HANDLE_RESOLVER_URL)
    url.searchParams.set(param, did)
    const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(3_000) }).catch(() => undefined)
    if (response === undefined) continue
    if (!response.ok) {
      await response.body?.cancel()
      continue
    }
    const body = (await response.json().catch(() => ({}))) as { handle?: unknown }
    if (typeof body.handle === "string" && body.handle !== "handle.invalid") return body.handle
  }
  return undefined
}

/**
 * The handles of the people a page names (DID → handle), asked of `HANDLE_RESOLVER_URL` per request (nothing kept
 * between requests); a DID whose handle cannot be read is left out and shown as its DID.
 */
export const handlesOf = async (env: WebEnv, dids: Iterable<string>): Promise<Record<string, string>> => {
  const unique = [...new Set(dids)].slice(0, MAX_LOOKUPS)
  const found = await Promise.all(unique.map(async (did) => [did, await handleOf(env, did).catch(() => undefined)] as const))
  return Object.fromEntries(found.filter((entry): entry is readonly [string, string] => entry[1] !== undefined))
}
