import { Data, Schema } from "effect"

/** Who may book a host's offer (`app.overlap.slotOffer#policy`), narrowest first: the one list of the tiers. */
export const PolicyTier = Schema.Literal("mutual", "connected", "follower", "anyone")
export type PolicyTier = typeof PolicyTier.Type
export const policyTiers: ReadonlyArray<PolicyTier> = PolicyTier.literals

/**
 * The follow/block relationship between a host (the actor) and a guest (the other), as the host
 * sees it. Blocks count in either direction, list blocks included.
 */
export interface Relationship {
  /** The host follows the guest. */
  readonly following: boolean
  /** The guest follows the host. */
  readonly followedBy: boolean
  /** The host blocks the guest (directly or through a block list). */
  readonly blocking: boolean
  /** The guest blocks the host (directly or through a block list). */
  readonly blockedBy: boolean
}

/** No follows and no blocks: an account the graph does not know, or two strangers. */
export const noRelationship: Relationship = { following: false, followedBy: false, blocking: false, blockedBy: false }

/** Why a guest may book. */
export type AllowedReason = "self" | "mutual" | "host-follows-guest" | "guest-follows-host" | "anyone"

/** Why a guest may not book; never says more than the guest could see on Bluesky anyway. */
export type RefusalReason =
  | "blocked" // a block in either direction
  | "not-mutual" // tier mutual: one or both follows are missing
  | "host-does-not-follow" // tier connected
  | "guest-does-not-follow" // tier follower

export type PolicyDecision = Data.TaggedEnum<{
  Allowed: { readonly reason: AllowedReason }
  Refused: { readonly reason: RefusalReason }
}>
export const PolicyDecision = Data.taggedEnum<PolicyDecision>()

/**
 * Whether a guest whose relationship with the host is `relationship` may book an offer of `tier`
 * (ARCHITECTURE.md, "Policy tiers"). A block in either direction always refuses, `anyone` included.
 */
export const mayBook = (tier: PolicyTier, relationship: Relationship): PolicyDecision => {
  if (relationship.blocking || relationship.blockedBy) return PolicyDecision.Refused({ reason: "blocked" })
  switch (tier) {
    case "mutual":
      return relationship.following && relationship.followedBy
        ? PolicyDecision.Allowed({ reason: "mutual" })
        : PolicyDecision.Refused({ reason: "not-mutual" })
    case "connected":
      return relationship.following
        ? PolicyDecision.Allowed({ reason: "host-follows-guest" })
        : PolicyDecision.Refused({ reason: "host-does-not-follow" })
    case "follower":
      return relationship.followedBy
        ? PolicyDecision.Allowed({ reason: "guest-follows-host" })
        : PolicyDecision.Refused({ reason: "guest-does-not-follow" })
    case "anyone":
      return PolicyDecision.Allowed({ reason: "anyone" })
  }
}

/** The host always sees (and may book) their own offers, whatever the tier. */
export const mayBookAs = (tier: PolicyTier, hostDid: string, guestDid: string, relationship: Relationship): PolicyDecision =>
  hostDid === guestDid ? PolicyDecision.Allowed({ reason: "self" }) : mayBook(tier, relationship)

/**
 * An anonymous guest (no DID; Turnstile-verified) has no relationship to check: only `anyone`
 * offers are open to them.
 */
export const mayBookAnonymously = (tier: PolicyTier): PolicyDecision =>
  tier === "anyone"
    ? PolicyDecision.Allowed({ reason: "anyone" })
    : PolicyDecision.Refused({
      reason: tier === "mutual" ? "not-mutual" : tier === "connected" ? "host-does-not-follow" : "guest-does-not-follow"
    })

