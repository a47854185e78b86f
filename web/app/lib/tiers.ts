import type { OfferView } from "../../../src/lexicon/types/app/overlap/defs"

type Policy = OfferView["policy"]

/** What relationship opens a tier, in words: the most open tier first. */
const relationship: Record<Policy, (host: string) => string> = {
  anyone: () => "anyone may book",
  follower: (host) => `you follow @${host} on Bluesky`,
  connected: (host) => `@${host} follows you on Bluesky`,
  mutual: (host) => `you and @${host} follow each other on Bluesky`
}
const ORDER: ReadonlyArray<Policy> = ["anyone", "follower", "connected", "mutual"]

/**
 * Why a visitor cannot book, and what would let them: the most open tier among the host's offers the visitor
 * saw, or the usual ways in when they saw none.
 */
export const tierSentence = (host: string, offers: ReadonlyArray<OfferView> | undefined): string => {
  const tiers = new Set(offers?.map((offer) => offer.policy) ?? [])
  const open = ORDER.find((tier) => tiers.has(tier) && tier !== "anyone")
  if (open !== undefined) return `@${host} takes bookings only when ${relationship[open](host)}. Once that is so, try again.`
  return `@${host} has no times open to you. Hosts usually open times to people they know: follow @${host} on Bluesky, or ask @${host} to follow you, then try again.`
}
