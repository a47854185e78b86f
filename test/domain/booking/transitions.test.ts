import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { type Actor, type BookingCommand, nextStatus } from "../../../src/domain/booking/transitions"
import type { BookingStatus } from "../../../src/domain/booking/booking"

const states: ReadonlyArray<BookingStatus> = ["pending", "held", "confirmed", "declined", "expired", "canceled", "rescheduled"]
const commands: ReadonlyArray<BookingCommand["_tag"]> = ["Hold", "Finalize", "Decline", "Expire", "Cancel", "Reschedule"]
const actors: ReadonlyArray<Actor> = ["host", "guest", "system"]

// Every allowed edge, written out; anything not listed must be refused.
const allowed: Record<string, BookingStatus> = {
  "pending/Hold/system": "held",
  "held/Finalize/host": "confirmed",
  "held/Decline/host": "declined",
  "held/Cancel/guest": "canceled",
  "held/Expire/system": "expired",
  "confirmed/Cancel/host": "canceled",
  "confirmed/Cancel/guest": "canceled",
  "confirmed/Reschedule/host": "rescheduled",
  "confirmed/Reschedule/guest": "rescheduled",
  "rescheduled/Cancel/host": "canceled",
  "rescheduled/Cancel/guest": "canceled",
  "rescheduled/Reschedule/host": "rescheduled",
  "rescheduled/Reschedule/guest": "rescheduled"
}

describe("booking state machine", () => {
  for (const from of states) {
    for (const command of commands) {
      for (const actor of actors) {
        const key = `${from}/${command}/${actor}`
        it(key, () => {
          const result = nextStatus(from, { _tag: command }, actor)
          if (key in allowed) {
            expect(result).toEqual(Either.right(allowed[key]))
          } else {
            expect(Either.isLeft(result)).toBe(true)
          }
        })
      }
    }
  }

  it("names the current state when a transition is illegal, and the actor when the actor is wrong", () => {
    const illegal = nextStatus("canceled", { _tag: "Finalize" }, "host")
    expect(Either.isLeft(illegal) && illegal.left._tag).toBe("InvalidTransition")
    expect(Either.isLeft(illegal) && illegal.left.message).toBe("cannot finalize a booking that is canceled")
    const wrongActor = nextStatus("held", { _tag: "Finalize" }, "guest")
    expect(Either.isLeft(wrongActor) && wrongActor.left._tag).toBe("ActorNotAllowed")
    expect(Either.isLeft(wrongActor) && wrongActor.left.message).toBe("the guest may not finalize this booking")
  })
})
