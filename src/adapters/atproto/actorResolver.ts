import type { ActorResolver, ResolvedActor } from "@atcute/identity-resolver"
import { Effect, Runtime } from "effect"
import type { DidDocument } from "../../services/IdentityResolver"
import { IdentityResolver } from "../../services/IdentityResolver"
import type { Env } from "../../platform/CloudflareEnv"

/** The identity could not be verified in both directions (handle → DID and DID → handle). */
export class ActorUnverified extends Error {
  readonly _tag = "ActorUnverified"
}

const handleOf = (doc: DidDocument): string | undefined =>
  doc.alsoKnownAs.find((aka) => aka.startsWith("at://"))?.slice("at://".length).toLowerCase()

/**
 * handle → DID in development: `.test` handles exist only on the local PDS, which answers
 * `com.atproto.identity.resolveHandle` for them (ATPROTO_DEV_HANDLE_RESOLVER). Never used outside development.
 */
const devResolveHandle = async (env: Env, handle: string): Promise<string | undefined> => {
  const base = env.ENVIRONMENT === "development" ? env.ATPROTO_DEV_HANDLE_RESOLVER : undefined
  if (base === undefined || base === "") return undefined
  const response = await fetch(`${base}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`)
  if (!response.ok) return undefined
  const body = (await response.json()) as { did?: unknown }
  return typeof body.did === "string" ? body.did : undefined
}

/**
 * The OAuth client's actor resolver over Overlap's own IdentityResolver (its did:plc / did:web rules, caches and
 * outbound limits), verifying both directions: the DID document names the handle, and the handle resolves to the
 * DID. A handle that does not resolve back is refused, so no session is made for an unverified identity.
 */
export const makeActorResolver = (env: Env, runtime: Runtime.Runtime<IdentityResolver>): ActorResolver & {
  readonly verify: (did: string) => Promise<ResolvedActor>
} => {
  const run = <A>(effect: Effect.Effect<A, unknown, IdentityResolver>) => Runtime.runPromise(runtime)(Effect.either(effect))
  const resolveHandle = async (handle: string): Promise<string> => {
    // `.test` is reserved (RFC 6761): no DNS or web host answers for it, only the local PDS
    if (handle.endsWith(".test")) {
      const local = await devResolveHandle(env, handle)
      if (local !== undefined) return local
    }
    const answer = await run(Effect.flatMap(IdentityResolver, (r) => r.resolveHandle(handle)))
    if (answer._tag === "Right") return answer.right
    const local = await devResolveHandle(env, handle)
    if (local !== undefined) return local
    throw new ActorUnverified(`the handle ${handle} does not resolve to a DID`)
  }
  const verify = async (did: string, expectHandle?: string): Promise<ResolvedActor> => {
    const doc = await run(Effect.flatMap(IdentityResolver, (r) => r.resolveDid(did)))
    if (doc._tag === "Left") throw new ActorUnverified(`the DID ${did} does not resolve`)
    const pds = await run(Effect.flatMap(IdentityResolver, (r) => r.getPdsEndpoint(did)))
    if (pds._tag === "Left") throw new ActorUnverified(`the DID ${did} names no PDS`)
    const handle = handleOf(doc.right)
    if (handle === undefined) throw new ActorUnverified(`the DID ${did} names no handle`)
    if (expectHandle !== undefined && handle !== expectHandle.toLowerCase()) {
      throw new ActorUnverified(`the DID document of ${did} names ${handle}, not ${expectHandle}`)
    }
    if ((await resolveHandle(handle)) !== did) throw new ActorUnverified(`the handle ${handle} does not resolve back to ${did}`)
    return { did: did as ResolvedActor["did"], handle: handle as ResolvedActor["handle"], pds: pds.right }
  }
  return {
    verify: (did) => verify(did),
    resolve: async (actor) => {
      if (actor.startsWith("did:")) return verify(actor)
      const did = await resolveHandle(actor)
      return verify(did, actor)
    }
  }
}
