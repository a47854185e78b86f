import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import {
  CancelInput,
  CancelOutput,
  ConfirmRescheduleInput,
  ConfirmRescheduleOutput,
  DeclineInput,
  DeclineOutput,
  DeclineRescheduleInput,
  DeclineRescheduleOutput,
  FinalizeInput,
  FinalizeOutput,
  RescheduleInput,
  RescheduleOutput
} from "../../lexicon/schemas"
import { ApiError } from "../../services/ApiError"
import { BookingUnavailable, HoldExpired, InvalidConstraints } from "../../services/BookingLifecycle"
import { BookingNotFound } from "../../services/BookingsRepo"
import { CalendarUnavailable, NoSlotAvailable } from "../../services/HoldStore"
import { NotParticipant } from "../../services/NotParticipant"
import { GraphUnavailable } from "../../services/SocialGraph"
import { TierNotMet } from "../matching/offerRefusals"
import { IdempotencyErrors } from "../xrpc/Idempotency"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

// BookingLifecycle's TransitionRefused keeps its own name inside (the domain's InvalidTransition is another
// error); the lexicon names it InvalidTransition.

/** The booking's state does not allow this (the message names the state it is in). */
export class InvalidTransitionError extends ApiError<InvalidTransitionError>()("InvalidTransition", 409) {}

/** Every refusal a lifecycle procedure can answer (reschedule uses them all; the others a subset). */
const LifecycleErrors = Schema.Union(
  BookingNotFound,
  NotParticipant,
  InvalidTransitionError,
  HoldExpired,
  InvalidConstraints,
  NoSlotAvailable,
  CalendarUnavailable,
  BookingUnavailable
)

/** The booking lifecycle: finalize, decline, cancel, reschedule, and the host's answer to a guest's proposed time. Procedures; `Idempotency-Key` required. */
export class LifecycleApi extends HttpApiGroup.make("lifecycle")
  .add(
    HttpApiEndpoint.post("finalize", "/xrpc/app.overlap.finalize")
      .setPayload(FinalizeInput)
      .addSuccess(FinalizeOutput)
      .addError(LifecycleErrors)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("decline", "/xrpc/app.overlap.decline")
      .setPayload(DeclineInput)
      .addSuccess(DeclineOutput)
      .addError(LifecycleErrors)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("cancel", "/xrpc/app.overlap.cancel")
      .setPayload(CancelInput)
      .addSuccess(CancelOutput)
      .addError(LifecycleErrors)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("reschedule", "/xrpc/app.overlap.reschedule")
      .setPayload(RescheduleInput)
      .addSuccess(RescheduleOutput)
      .addError(LifecycleErrors)
      // a guest's move is judged against the host's offers as the guest's tier allows them now
      .addError(TierNotMet)
      .addError(GraphUnavailable)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("confirmReschedule", "/xrpc/app.overlap.confirmReschedule")
      .setPayload(ConfirmRescheduleInput)
      .addSuccess(ConfirmRescheduleOutput)
      .addError(LifecycleErrors)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("declineReschedule", "/xrpc/app.overlap.declineReschedule")
      .setPayload(DeclineRescheduleInput)
      .addSuccess(DeclineRescheduleOutput)
      .addError(LifecycleErrors)
      .addError(IdempotencyErrors)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is spent
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
