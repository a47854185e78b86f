import { Clock, Effect, Option } from "effect"
import { mayBookAnonymously, mayBookAs, noRelationship, type PolicyDecision, type PolicyTier, type Relationship } from "../../domain/policy"
import { type IndexedOffer, OffersRepo } from "../../services/OffersRepo"
import type { RepositoryError } from "../../services/RepositoryError"
import { type GraphUnavailable, type Guest, SocialGraph } from "../../services/SocialGraph"
import { HostNotFound, OfferNotFound, TierNotMet } from "./offerRefusals"

/**
 * Which of a host's indexed offers a guest may see and book (ARCHITECTURE.md, "Policy tiers"). The graph
 * is read once per (host, guest) and every offer's tier is judged against it; the host sees all their own
 * offers and is never looked up; a block either way leaves nothing. An anonymous guest (no DID; passed
 * Turnstile) has no relationship to read: only `anyone` offers, and the graph is never asked.
 */

const tierNotMet = (reason: string) =>
  new TierNotMet({ message: `your relationship with the host does not meet the offer's policy (${reason})` })

/** Most offers a match books against (the soonest; `offers_index` pages are at most 100). */
const MAX_MATCH_OFFERS = 100

export const relationshipOf = (hostDid: string, guestDid: string): Effect.Effect<Relationship, GraphUnavailable, SocialGraph> =>
  hostDid === guestDid ? Effect.succeed(noRelationship) : Effect.flatMap(SocialGraph, (graph) => graph.relationship(hostDid, guestDid))

/** How a guest is judged per tier: after at most one graph read (none for an anonymous guest or the host). */
const judgeFor = (
  hostDid: string,
  guest: Guest
): Effect.Effect<(tier: PolicyTier) => PolicyDecision, GraphUnavailable, SocialGraph> =>
  "did" in guest
    ? Effect.map(relationshipOf(hostDid, guest.did), (relationship) => (tier: PolicyTier) =>
      mayBookAs(tier, hostDid, guest.did, relationship))
    : Effect.succeed(mayBookAnonymously)

const asGuest = (guest: string | Guest): Guest => (typeof guest === "string" ? { did: guest } : guest)

/** A predicate over offers for this guest (a DID, or `{ anonymous: true }`), after at most one graph read. */
/** Whether this guest meets a tier of the host's (an event type's), after at most one graph read. */
export const meetsTier = (hostDid: string, guest: string | Guest) =>
  Effect.map(judgeFor(hostDid, asGuest(guest)), (judge) => (tier: PolicyTier) => judge(tier))

export const visibleTo = (hostDid: string, guest: string | Guest) =>
  Effect.map(judgeFor(hostDid, asGuest(guest)), (judge) => (offer: IndexedOffer) => judge(offer.policy)._tag === "Allowed")

/**
 * The offers a match (or availability query) for `guest` (a DID, or `{ anonymous: true }`) uses: the one named by `offerUri`, or every upcoming offer of the host
 * the guest may book. Fails `OfferNotFound` / `HostNotFound` (no offers at all: not on Overlap, as far as we know) /
 * `TierNotMet` (none whose tier the guest meets; the refusal names only the tier rule the guest could check on
 * Bluesky anyway).
 */
export const bookableOffers = (
  hostDid: string,
  guest: string | Guest,
  offerUri: string | undefined
): Effect.Effect<
  ReadonlyArray<IndexedOffer>,
  OfferNotFound | HostNotFound | TierNotMet | GraphUnavailable | RepositoryError,
  OffersRepo | SocialGraph
> =>
  Effect.gen(function*() {
    const offers = yield* OffersRepo
    if (offerUri !== undefined) {
      const offer = yield* offers.get(offerUri)
      if (Option.isNone(offer) || offer.value.did !== hostDid) return yield* new OfferNotFound({ message: `offer: no published offer ${offerUri} by this host` })
      const judge = yield* judgeFor(hostDid, asGuest(guest))
      const decision = judge(offer.value.policy)
      if (decision._tag === "Refused") return yield* tierNotMet(decision.reason)
      return [offer.value]
    }
    const now = yield* Clock.currentTimeMillis
    const page = yield* offers.listByHost({ did: hostDid, from: now, limit: MAX_MATCH_OFFERS }).pipe(
      Effect.catchTag("InvalidCursor", (e) => Effect.die(e)) // no cursor given: cannot happen
    )
    if (page.items.length === 0) return yield* new HostNotFound({ message: "host: no published offers on this service" })
    const judge = yield* judgeFor(hostDid, asGuest(guest))
    const decisions = page.items.map((offer) => [offer, judge(offer.policy)] as const)
    const allowed = decisions.filter(([, d]) => d._tag === "Allowed").map(([offer]) => offer)
    if (allowed.length === 0) {
      const first = decisions[0]![1]
      return yield* tierNotMet(first._tag === "Refused" ? first.reason : "refused")
    }
    return allowed
  })
