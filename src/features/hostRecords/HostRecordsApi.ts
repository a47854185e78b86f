import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import {
  HostDeleteEventTypeInput,
  HostDeleteEventTypeOutput,
  HostDeleteOfferInput,
  HostDeleteOfferOutput,
  HostListEventTypesOutput,
  HostListEventTypesParams,
  HostListOffersOutput,
  HostListOffersParams,
  HostPutEventTypeInput,
  HostPutEventTypeOutput,
  HostPutOfferInput,
  HostPutOfferOutput
} from "../../lexicon/schemas"
import { PdsWriteRejected, ReauthorizeRequired, SessionUnavailable } from "../../services/AtprotoSessions"
import { PdsUnavailable } from "../../services/RepoReader"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"
import { WebSessionRequired } from "./ownRecords"

/**
 * app.overlap.host.*: a signed-in person writes, deletes and lists their own slotOffer and eventType records in their
 * own repo, through their atproto session (PdsWriter over their SessionDO). Browser sessions only.
 */
export class HostRecordsApi extends HttpApiGroup.make("host")
  .add(
    HttpApiEndpoint.post("putOffer", "/xrpc/app.overlap.host.putOffer")
      .setPayload(HostPutOfferInput)
      .addSuccess(HostPutOfferOutput)
      .addError(InvalidRequest)
      .addError(ReauthorizeRequired)
      .addError(PdsWriteRejected)
      .addError(SessionUnavailable)
  )
  .add(
    HttpApiEndpoint.post("deleteOffer", "/xrpc/app.overlap.host.deleteOffer")
      .setPayload(HostDeleteOfferInput)
      .addSuccess(HostDeleteOfferOutput)
      .addError(ReauthorizeRequired)
      .addError(PdsWriteRejected)
      .addError(SessionUnavailable)
  )
  .add(
    HttpApiEndpoint.get("listOffers", "/xrpc/app.overlap.host.listOffers")
      .setUrlParams(HostListOffersParams)
      .addSuccess(HostListOffersOutput)
      .addError(PdsUnavailable)
  )
  .add(
    HttpApiEndpoint.post("putEventType", "/xrpc/app.overlap.host.putEventType")
      .setPayload(HostPutEventTypeInput)
      .addSuccess(HostPutEventTypeOutput)
      .addError(InvalidRequest)
      .addError(ReauthorizeRequired)
      .addError(PdsWriteRejected)
      .addError(SessionUnavailable)
  )
  .add(
    HttpApiEndpoint.post("deleteEventType", "/xrpc/app.overlap.host.deleteEventType")
      .setPayload(HostDeleteEventTypeInput)
      .addSuccess(HostDeleteEventTypeOutput)
      .addError(InvalidRequest)
      .addError(ReauthorizeRequired)
      .addError(PdsWriteRejected)
      .addError(SessionUnavailable)
  )
  .add(
    HttpApiEndpoint.get("listEventTypes", "/xrpc/app.overlap.host.listEventTypes")
      .setUrlParams(HostListEventTypesParams)
      .addSuccess(HostListEventTypesOutput)
      .addError(PdsUnavailable)
  )
  .addError(WebSessionRequired)
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
