import { Effect } from "effect"
import { lexiconField } from "../../domain/matching/hostRules"
import type { SlotInputInvalid } from "../../domain/slots"
import { InvalidConstraints } from "../../services/BookingLifecycle"
import { IdentityResolver } from "../../services/IdentityResolver"
import type { Guest } from "../../services/SocialGraph"
import { CurrentRequester, Requester } from "../xrpc/Requester"
import { bookableOffers } from "./bookableOffers"
import { HostNotFoundError, OfferNotFoundError, TierNotMetError } from "./MatchingApi"

/** Which host and which of their offers a caller may query or book, shared by the matching methods. */

export const invalidConstraints = (prefix: string) => (error: SlotInputInvalid) =>
  new InvalidConstraints({ message: `${lexiconField(error.field, prefix)}: ${error.reason}` })

/** A DID as given; a handle resolved (one that does not resolve is HostNotFound). */
export const resolveHost = (host: string) =>
  host.startsWith("did:")
    ? Effect.succeed(host)
    : Effect.flatMap(IdentityResolver, (identity) => identity.resolveHandle(host)).pipe(
      Effect.mapError(() => new HostNotFoundError({ message: `host: ${host} does not resolve to an account` }))
    )

/** bookableOffers with its refusals as XRPC errors. */
export const offersFor = (hostDid: string, guest: string | Guest, offerUri: string | undefined) =>
  bookableOffers(hostDid, guest, offerUri).pipe(
    Effect.catchTags({
      OfferMissing: () => Effect.fail(new OfferNotFoundError({ message: `offer: no published offer ${offerUri} by this host` })),
      NoOffers: () => Effect.fail(new HostNotFoundError({ message: "host: no published offers on this service" })),
      TierRefused: (refusal) =>
        Effect.fail(new TierNotMetError({ message: `your relationship with the host does not meet the offer's policy (${refusal.reason})` })),
      RepositoryError: (error) => Effect.die(error)
    })
  )

/**
 * Who is asking, for the methods anonymous callers may use (`XrpcOptionalAuth`): a DID, or an anonymous,
 * Turnstile-verified guest — who sees and queries only tier-`anyone` offers and has no calendar.
 */
export const currentGuest: Effect.Effect<Guest, never, CurrentRequester> = Effect.map(
  CurrentRequester,
  Requester.$match({ Authenticated: ({ did }): Guest => ({ did }), Anonymous: (): Guest => ({ anonymous: true }) })
)
