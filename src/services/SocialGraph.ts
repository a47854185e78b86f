import { Context, Effect } from "effect"
import {
  mayBookAnonymously,
  mayBookAs,
  noRelationship,
  type PolicyDecision,
  type PolicyTier,
  type Relationship
} from "../domain/policy"
import { ApiError } from "./ApiError"

export type { Relationship } from "../domain/policy"

/**
 * The Bluesky graph could not be read: the AppView timed out, answered 5xx, or answered something
 * that is not a `getRelationships` response. Policy checks fail closed on it (a 503 for the caller),
 * never open.
 */
export class GraphUnavailable extends ApiError<GraphUnavailable>()("GraphUnavailable", 503) {}

/** The follow/block graph between atproto accounts, as the Bluesky AppView indexes it. */
export class SocialGraph extends Context.Tag("overlap/SocialGraph")<SocialGraph, {
  /**
   * How `actor` (the host) and `other` (the guest) are related, from the host's side: `following`
   * = the host follows the guest, `followedBy` = the guest follows the host; `blocking` /
   * `blockedBy` include list blocks. An account the graph does not know has no relationship.
   * Answers may be up to a few minutes old (cached).
   */
  readonly relationship: (actor: string, other: string) => Effect.Effect<Relationship, GraphUnavailable>
}>() {}

/** Who is asking to book: a DID (service-auth or OAuth session) or an anonymous, Turnstile-verified caller. */
export type Guest = { readonly did: string } | { readonly anonymous: true }

/**
 * May `guest` book (or see) an offer of `tier` by `hostDid`? The host themself always may; an
 * anonymous guest only `anyone` offers; anyone else per the live graph, where a block in either
 * direction refuses every tier. The graph is only asked when the answer depends on it.
 */
export const checkTier = (
  tier: PolicyTier,
  hostDid: string,
  guest: Guest
): Effect.Effect<PolicyDecision, GraphUnavailable, SocialGraph> => {
  if (!("did" in guest)) return Effect.succeed(mayBookAnonymously(tier))
  if (guest.did === hostDid) return Effect.succeed(mayBookAs(tier, hostDid, guest.did, noRelationship))
  return Effect.flatMap(SocialGraph, (graph) => graph.relationship(hostDid, guest.did)).pipe(
    Effect.map((relationship) => mayBookAs(tier, hostDid, guest.did, relationship))
  )
}
