import { Effect } from "effect"
import { lexiconField } from "../../domain/matching/hostRules"
import type { SlotInputInvalid } from "../../domain/slots"
import { InvalidConstraints } from "../../services/BookingLifecycle"
import { IdentityResolver } from "../../services/IdentityResolver"
import type { Guest } from "../../services/SocialGraph"
import { CurrentRequester, Requester } from "../xrpc/Requester"
import { bookableOffers } from "./bookableOffers"
import { HostNotFound } from "./offerRefusals"

/** Which host and which of their offers a caller may query or book, shared by the matching methods. */

export const invalidConstraints = (prefix: string) => (error: SlotInputInvalid) =>
  new InvalidConstraints({ message: `${lexiconField(error.field, prefix)}: ${error.reason}` })

/** A DID as given; a handle resolved (one that does not resolve is HostNotFound). */
export const resolveHost = (host: string) =>
  host.startsWith("did:")
    ? Effect.succeed(host)
    : Effect.flatMap(IdentityResolver, (identity) => identity.resolveHandle(host)).pipe(
      Effect.mapError(() => new HostNotFound({ message: `host: ${host} does not resolve to an account` }))
    )

/** bookableOffers for a method: its refusals are answered as they are; a store failure is a defect. */
export const offersFor = (hostDid: string, guest: string | Guest, offerUri: string | undefined) =>
  bookableOffers(hostDid, guest, offerUri).pipe(Effect.catchTag("RepositoryError", Effect.die))

/**
 * Who is asking, for the methods anonymous callers may use (`XrpcOptionalAuth`): a DID, or an anonymous,
 * Turnstile-verified guest — who sees and queries only tier-`anyone` offers and has no calendar.
 */
export const currentGuest: Effect.Effect<Guest, never, CurrentRequester> = Effect.map(
  CurrentRequester,
  Requester.$match({ Authenticated: ({ did }): Guest => ({ did }), Anonymous: (): Guest => ({ anonymous: true }) })
)
