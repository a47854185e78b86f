import { Effect } from "effect"
import type { Booking } from "../../domain/booking/booking"
import { InvalidConstraints, type RescheduleCommand } from "../../services/BookingLifecycle"

/**
 * Rules the host's own reschedule matches with: the host may move their meeting outside their own offer and
 * rules (both calendars must still be free). A guest's reschedule uses the host's offer and rules instead.
 */
export const HOST_RESCHEDULE_RULES = {
  timeZone: "UTC",
  bufferBeforeMin: 0,
  bufferAfterMin: 0,
  minimumNoticeMin: 0,
  slotStepMin: 5
} as const

/**
 * The one answer to a guest's reschedule that cannot land, whether the time is busy or outside the host's
 * offer, notice, grid or buffers: a caller who probes learns nothing from which it was (no busy edges).
 */
export const GUEST_RESCHEDULE_REFUSED = "the requested time is not one the host offers and both calendars have free; pick another offered time"

/** A guest's reschedule arrived without the host's offers and rules the AppView reads (fail closed). */
export const GUESTS_MAY_NOT_RESCHEDULE = "the host's rules do not let guests move meetings themselves: ask the host to move it, or cancel it"

/** Someone other than the host tried to confirm or decline a guest's proposed time. */
export const ONLY_THE_HOST_ANSWERS_PROPOSALS = "only the host confirms or declines a proposed new time"

/** The search a reschedule runs: the constraints given, or exactly the slot given. */
export const constraintsOf = (input: RescheduleCommand, booking: Booking) => {
  if ((input.constraints === undefined) === (input.slot === undefined)) {
    return Effect.fail(new InvalidConstraints({ message: "constraints, slot: give exactly one" }))
  }
  if (input.constraints !== undefined) return Effect.succeed(input.constraints)
  const start = Date.parse(input.slot!.start)
  const end = Date.parse(input.slot!.end)
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start || (end - start) % 60_000 !== 0) {
    return Effect.fail(new InvalidConstraints({ message: "slot: end must be whole minutes after start" }))
  }
  const minutes = (end - start) / 60_000
  return Effect.succeed({ durationMin: minutes, durationMax: minutes, earliest: input.slot!.start, latest: input.slot!.end, tz: booking.tz })
}
