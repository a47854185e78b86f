import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { BookingLifecycle, type LifecycleError } from "../../services/BookingLifecycle"
import type { Booking } from "../../services/BookingsRepo"
import { Caller } from "../xrpc/Caller"
import { idempotent } from "../xrpc/Idempotency"
import { CalendarUnavailableError, InvalidConstraintsError, NoSlotAvailableError, NotParticipantError } from "../matching/MatchingApi"
import { OverlapApi } from "../OverlapApi"
import { BookingNotFoundError } from "./BookingsApi"
import { toBookingView } from "./bookingView"
import { BookingUnavailableError, HoldExpiredError, InvalidTransitionError } from "./LifecycleApi"

/** The service's errors as XRPC errors. */
const toWire = (error: LifecycleError) => {
  switch (error._tag) {
    case "BookingNotFound":
      return new BookingNotFoundError({ message: `no booking ${error.id}` })
    case "NotParticipant":
      return new NotParticipantError({ message: "only the booking's host or guest may do this" })
    case "ActionNotAllowed":
      return new NotParticipantError({ message: error.message })
    case "TransitionRefused":
      return new InvalidTransitionError({ message: error.message })
    case "HoldExpired":
      return new HoldExpiredError({ message: "the hold lapsed before it was finalized; match again" })
    case "InvalidConstraints":
      return new InvalidConstraintsError({ message: error.message })
    case "SlotInputInvalid":
      return new InvalidConstraintsError({ message: `constraints: ${error.message}` })
    case "NoSlotAvailable":
      return new NoSlotAvailableError({ message: error.message })
    case "CalendarUnavailable":
      return new CalendarUnavailableError({ message: error.message })
    case "LifecycleUnavailable":
      return new BookingUnavailableError({ message: "the booking could not be changed right now; nothing changed, retry" })
  }
}

/**
 * BookingLifecycle is looked up per request (the AppView graph provides it): a handler built without it
 * answers 503 rather than failing to build, like the connector and matching methods.
 */
const answer = (run: (lifecycle: BookingLifecycle["Type"], callerDid: string) => Effect.Effect<Booking, LifecycleError>) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const lifecycle = yield* Effect.serviceOption(BookingLifecycle)
    if (Option.isNone(lifecycle)) return yield* new BookingUnavailableError({ message: "booking changes are not available on this service" })
    return yield* run(lifecycle.value, caller.did).pipe(
    Effect.tapErrorTag("LifecycleUnavailable", (e) => Effect.logError("booking lifecycle unavailable", e.message, e.cause)),
    Effect.mapError(toWire),
      Effect.map((booking) => ({ booking: toBookingView(booking) }))
    )
  })

export const LifecycleHttpLive = HttpApiBuilder.group(OverlapApi, "lifecycle", (handlers) =>
  Effect.succeed(
    handlers
      .handle("finalize", ({ payload }) =>
        idempotent(answer((lifecycle, callerDid) => lifecycle.finalize({ bookingId: payload.bookingId, callerDid }))))
      .handle("decline", ({ payload }) =>
        idempotent(answer((lifecycle, callerDid) => lifecycle.decline({ bookingId: payload.bookingId, callerDid, reason: payload.reason }))))
      .handle("cancel", ({ payload }) =>
        idempotent(answer((lifecycle, callerDid) => lifecycle.cancel({ bookingId: payload.bookingId, callerDid, reason: payload.reason }))))
      .handle("reschedule", ({ payload }) =>
        idempotent(answer((lifecycle, callerDid) =>
          lifecycle.reschedule({
            bookingId: payload.bookingId,
            callerDid,
            reason: payload.reason,
            constraints: payload.constraints,
            slot: payload.slot
          }))))
  ))
