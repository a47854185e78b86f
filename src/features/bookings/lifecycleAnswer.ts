import { Clock, Effect } from "effect"
import { BookingLifecycle, BookingUnavailable, InvalidConstraints, type LifecycleError } from "../../services/BookingLifecycle"
import { NotParticipant } from "../../services/NotParticipant"
import { Caller } from "../xrpc/Caller"
import { toBookingView } from "./bookingView"
import { InvalidTransitionError } from "./LifecycleApi"

/** The lifecycle's errors as answered: most are sent as they are; these are named or worded as the lexicon has them. */
const asAnswered = (error: LifecycleError) => {
  switch (error._tag) {
    case "ActionNotAllowed":
      return new NotParticipant({ message: error.message })
    case "TransitionRefused":
      return new InvalidTransitionError({ message: error.message })
    case "SlotInputInvalid":
      return new InvalidConstraints({ message: `constraints: ${error.message}` })
    case "BookingUnavailable":
      // what failed inside is logged, never sent
      return new BookingUnavailable({ message: "the booking could not be changed right now; nothing changed, retry", cause: error.cause })
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
      Effect.tapErrorTag("BookingUnavailable", (e) => Effect.logError("booking lifecycle unavailable", e.message, e.cause)),
      Effect.mapError(asAnswered),
      Effect.flatMap((booking) => Effect.map(Clock.currentTimeMillis, (now) => ({ booking: toBookingView(booking, now) })))
    )
  })
