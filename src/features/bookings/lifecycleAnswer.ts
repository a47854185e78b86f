import { Effect } from "effect"
import { BookingLifecycle, type LifecycleError } from "../../services/BookingLifecycle"
import { Caller } from "../xrpc/Caller"
import { CalendarUnavailableError, InvalidConstraintsError, NoSlotAvailableError, NotParticipantError } from "../matching/MatchingApi"
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

/** Runs one lifecycle command for the caller and answers the booking as it is afterwards. */
export const lifecycleAnswer = (
  run: (lifecycle: BookingLifecycle["Type"], callerDid: string) => ReturnType<BookingLifecycle["Type"]["finalize"]>
) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const lifecycle = yield* BookingLifecycle
    return yield* run(lifecycle, caller.did).pipe(
      Effect.tapErrorTag("LifecycleUnavailable", (e) => Effect.logError("booking lifecycle unavailable", e.message, e.cause)),
      Effect.mapError(toWire),
      Effect.map((booking) => ({ booking: toBookingView(booking) }))
    )
  })
