import { ApiError } from "../../services/ApiError"

// Why a guest may not query or book a host's offers (bookableOffers, resolveHost), each with the status and
// name the API answers it with. Messages never carry a time from anyone's calendar.

/** The host does not resolve to an account, or has no published offers on this service (404). */
export class HostNotFound extends ApiError<HostNotFound>()("HostNotFound", 404) {}

/** The offer named does not exist, is not the host's, or is hidden (404). */
export class OfferNotFound extends ApiError<OfferNotFound>()("OfferNotFound", 404) {}

/** The caller's relationship with the host does not meet the offer's tier, or a block (403). */
export class TierNotMet extends ApiError<TierNotMet>()("TierNotMet", 403) {}

/** The event type asked for is malformed, not the host's, or does not allow the lengths asked (400, naming the field). */
export class InvalidEventType extends ApiError<InvalidEventType>()("InvalidEventType", 400) {}
