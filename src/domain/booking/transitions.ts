import { Data, Either } from "effect"
import { match, P } from "ts-pattern"
import type { BookingStatus } from "./booking"

/** Who acts on a booking. Only its two participants ever do; the system acts on expiry. */
export type Actor = "host" | "guest" | "system"

/** What an actor asks of a booking. */
export type BookingCommand =
  | { readonly _tag: "Hold" }
  | { readonly _tag: "Finalize" }
  | { readonly _tag: "Decline" }
  | { readonly _tag: "Expire" }
  | { readonly _tag: "Cancel" }
  | { readonly _tag: "Reschedule" }

/** A command the booking's current state does not allow (HTTP 409, naming the state). */
export class InvalidTransition extends Data.TaggedError("InvalidTransition")<{
  readonly from: BookingStatus
  readonly command: BookingCommand["_tag"]
}> {
  override get message() {
    return `cannot ${this.command.toLowerCase()} a booking that is ${this.from}`
  }
}

/** The actor may not give this command (HTTP 403): e.g. a guest confirming their own request. */
export class ActorNotAllowed extends Data.TaggedError("ActorNotAllowed")<{
  readonly actor: Actor
  readonly command: BookingCommand["_tag"]
}> {
  override get message() {
    return `the ${this.actor} may not ${this.command.toLowerCase()} this booking`
  }
}

/**
 * The booking state machine, in one exhaustive match over (state, command, actor):
 *   pending   → held                 (system: a hold was placed on both calendars)
 *   held      → confirmed | declined (host finalizes or declines)
 *   held      → canceled             (the guest withdraws before the host answers)
 *   held      → expired              (system: the hold lapsed)
 *   confirmed → canceled             (host or guest)
 *   confirmed → rescheduled → …      (host or guest propose a new time; in place: same booking, new hold)
 * `rescheduled` behaves like `confirmed` for the next step (it is a confirmed booking that moved).
 * Terminal: declined, expired, canceled.
 */
export const nextStatus = (
  from: BookingStatus,
  command: BookingCommand,
  actor: Actor
): Either.Either<BookingStatus, InvalidTransition | ActorNotAllowed> => {
  const invalid = () => Either.left(new InvalidTransition({ from, command: command._tag }))
  const forbidden = () => Either.left(new ActorNotAllowed({ actor, command: command._tag }))
  return match<[BookingStatus, BookingCommand["_tag"], Actor], Either.Either<BookingStatus, InvalidTransition | ActorNotAllowed>>([
    from,
    command._tag,
    actor
  ])
    .with(["pending", "Hold", "system"], () => Either.right("held"))
    .with(["pending", "Hold", P._], forbidden)
    .with(["held", "Finalize", "host"], () => Either.right("confirmed"))
    .with(["held", "Decline", "host"], () => Either.right("declined"))
    .with(["held", "Cancel", "guest"], () => Either.right("canceled"))
    .with(["held", P.union("Finalize", "Decline", "Cancel"), P._], forbidden)
    .with(["held", "Expire", "system"], () => Either.right("expired"))
    .with([P.union("confirmed", "rescheduled"), "Cancel", P.union("host", "guest")], () => Either.right("canceled"))
    .with([P.union("confirmed", "rescheduled"), "Reschedule", P.union("host", "guest")], () => Either.right("rescheduled"))
    .with([P.union("confirmed", "rescheduled"), P.union("Cancel", "Reschedule"), "system"], forbidden)
    .with([P._, P.union("Hold", "Finalize", "Decline", "Expire", "Cancel", "Reschedule"), P._], invalid)
    .exhaustive()
}
