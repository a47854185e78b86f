import { HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware } from "@effect/platform"
import { Schema } from "effect"
import {
  DefsHold,
  DefsPendingMatch,
  GetAvailabilityOutput,
  GetAvailabilityParams,
  GetEventTypesOutput,
  GetEventTypesParams,
  GetMatchStatusOutput,
  GetMatchStatusParams,
  GetOffersOutput,
  GetOffersParams,
  MatchInput
} from "../../lexicon/schemas"
import { InvalidConstraints } from "../../services/BookingLifecycle"
import { CalendarUnavailable, MatchNotFound, NoSlotAvailable, TooManyHolds } from "../../services/HoldStore"
import { NotParticipant } from "../../services/NotParticipant"
import { InvalidCursor } from "../../services/Page"
import { GraphUnavailable } from "../../services/SocialGraph"
import { IdempotencyErrors } from "../xrpc/Idempotency"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { XrpcOptionalAuth } from "../xrpc/XrpcOptionalAuth"
import { HostNotFound, InvalidEventType, OfferNotFound, TierNotMet } from "./offerRefusals"
import { ApiError } from "../../services/ApiError"

/**
 * An anonymous call (no `Authorization`) to a method that needs the guest's account: `match` reads the
 * guest's free/busy and places a tentative hold on the guest's calendar, and the booking is recorded under
 * the guest's DID, so an anonymous guest (who has neither) cannot hold a time. 401, like `AuthMissing`.
 */
export class AccountRequiredError extends ApiError<AccountRequiredError>()("AccountRequired", 401) {}

/**
 * Runs before `XrpcAuth` on `match` and `getMatchStatus`: a call without `Authorization` is refused with
 * `AccountRequired` (saying why a DID is needed) instead of the generic `AuthMissing`. With the header it
 * does nothing: `XrpcAuth` verifies it. Implemented in AccountRequiredLive.ts.
 */
export class AccountRequired extends HttpApiMiddleware.Tag<AccountRequired>()("overlap/matching/AccountRequired", {
  failure: AccountRequiredError
}) {}

/** `app.overlap.match` answered with a hold (200). */
export const MatchHeldOutput = Schema.Struct({
  result: Schema.Struct({ $type: Schema.Literal("app.overlap.defs#hold"), ...DefsHold.fields })
}).annotations({ identifier: "app.overlap.match#output.hold" })

/** `app.overlap.match` answered with a token to poll (202 Accepted: the match continues in the background). */
export const MatchPendingOutput = Schema.Struct({
  result: Schema.Struct({ $type: Schema.Literal("app.overlap.defs#pendingMatch"), ...DefsPendingMatch.fields })
}).annotations({ identifier: "app.overlap.match#output.pending" })

/**
 * Private matching: offers a caller may book, candidate slots, match-and-hold, and a pending match's progress.
 *
 * Auth is per endpoint. `getOffers` and `getAvailability` take anonymous callers too (`XrpcOptionalAuth`:
 * service-auth, or a Turnstile token; an anonymous caller sees and queries only tier-`anyone` offers).
 * `match` and `getMatchStatus` need the guest's account (`AccountRequired`, then `XrpcAuth`).
 * HttpApi runs endpoint middleware before group middleware (and, within one, the last added first), so
 * every method authenticates first and `RateLimit` (group) then spends the verified DID's bucket — or,
 * for an anonymous caller, the bucket of their IP prefix (/24, /56).
 */
export class MatchingApi extends HttpApiGroup.make("matching")
  .add(
    HttpApiEndpoint.get("getOffers", "/xrpc/app.overlap.getOffers")
      .setUrlParams(GetOffersParams)
      .addSuccess(GetOffersOutput)
      .addError(HostNotFound)
      .addError(InvalidCursor)
      .addError(InvalidEventType)
      .addError(GraphUnavailable)
      .middleware(XrpcOptionalAuth)
  )
  .add(
    HttpApiEndpoint.get("getEventTypes", "/xrpc/app.overlap.getEventTypes")
      .setUrlParams(GetEventTypesParams)
      .addSuccess(GetEventTypesOutput)
      .addError(HostNotFound)
      .addError(GraphUnavailable)
      .middleware(XrpcOptionalAuth)
  )
  .add(
    HttpApiEndpoint.get("getAvailability", "/xrpc/app.overlap.getAvailability")
      .setUrlParams(GetAvailabilityParams)
      .addSuccess(GetAvailabilityOutput)
      .addError(HostNotFound)
      .addError(OfferNotFound)
      .addError(TierNotMet)
      .addError(InvalidConstraints)
      .addError(InvalidEventType)
      .addError(CalendarUnavailable)
      .addError(GraphUnavailable)
      .middleware(XrpcOptionalAuth)
  )
  .add(
    HttpApiEndpoint.post("match", "/xrpc/app.overlap.match")
      .setPayload(MatchInput)
      .addSuccess(MatchHeldOutput)
      .addSuccess(MatchPendingOutput, { status: 202 })
      .addError(HostNotFound)
      .addError(OfferNotFound)
      .addError(TierNotMet)
      .addError(InvalidConstraints)
      .addError(InvalidEventType)
      .addError(NoSlotAvailable)
      .addError(TooManyHolds)
      .addError(CalendarUnavailable)
      .addError(GraphUnavailable)
      .addError(IdempotencyErrors)
      .middleware(XrpcAuth)
      .middleware(AccountRequired)
  )
  .add(
    HttpApiEndpoint.get("getMatchStatus", "/xrpc/app.overlap.getMatchStatus")
      .setUrlParams(GetMatchStatusParams)
      .addSuccess(GetMatchStatusOutput)
      .addError(MatchNotFound)
      .addError(NotParticipant)
      .middleware(XrpcAuth)
      .middleware(AccountRequired)
  )
  .middleware(RateLimit) {}
