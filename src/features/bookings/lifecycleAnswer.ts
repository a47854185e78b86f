import { Effect } from "effect"
import { BookingLifecycle, InvalidConstraints, type LifecycleError } from "../../services/BookingLifecycle"
import { NotParticipant } from "../../services/NotParticipant"
import { Caller } from "../xrpc/Caller"
import { toBookingView } from "./bookingView"
import { BookingUnavailableError, InvalidTransitionError } from "./LifecycleApi"

/** The lifecycle's errors as the lexicon names them: most are sent as they are; these four are renamed. */
const asAnswered = (error: LifecycleError) => {
  switch (error._tag) {
    case "ActionNotAllowed":
      return new NotParticipant({ message: error.message })
    case "TransitionRefused":
      return new InvalidTransitionError({ message: error.message })
    case "SlotInputInvalid":
      return new InvalidConstraints({ message: `constraints: ${error.message}` })
    case "LifecycleUnavailable":
      return new BookingUnavailableError({ message: "the booking could not be changed right now; nothing changed, retry" })
    default:
      return error
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
      Effect.mapError(asAnswered),
      Effect.map((booking) => ({ booking: toBookingView(booking) }))
    )
  })
