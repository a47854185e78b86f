import { Either } from "effect"
import { MINUTE_MS } from "./civil"
import { SlotInputInvalid } from "./errors"
import { type GuestConstraints, SlotBounds } from "./query"

/**
 * What a caller may ask the slot engine when the answer goes back to them (getAvailability): no more
 * precise than the offer's grid can say. A caller who picks any meeting length and any `latest` learns
 * where the next busy block starts to the minute (a 7-minute slot fits before it, an 8-minute one does
 * not); so before searching,
 * - the meeting lengths are rounded UP to a short ladder of lengths (by default 15, 30, 45, 60, 90 min;
 *   above the ladder, to whole hours), and
 * - `earliest` is rounded up and `latest` down to a whole number of `boundMin` (by default whole hours).
 * Moving a bound or a length by a minute then changes nothing, or moves the search by a whole step.
 */

/** The meeting lengths availability answers in, when the host sets none. Ascending, in minutes. */
export const DEFAULT_DURATION_LADDER_MIN: ReadonlyArray<number> = [15, 30, 45, 60, 90]
/** The unit `earliest` / `latest` are rounded to (inward), in minutes. */
export const AVAILABILITY_BOUND_MIN = 60

/** Above the ladder, lengths are whole multiples of this many minutes. */
const LONG_MEETING_UNIT_MIN = 60

/** The first length of the ladder at or above `minutes`; above the ladder, `minutes` rounded up to whole hours. */
export const roundUpToLadder = (minutes: number, ladder: ReadonlyArray<number>): number =>
  ladder.find((length) => length >= minutes) ?? Math.ceil(minutes / LONG_MEETING_UNIT_MIN) * LONG_MEETING_UNIT_MIN

export type CoarseBounds = Pick<GuestConstraints, "durationMin" | "durationMax" | "earliest" | "latest">

/**
 * The coarse form of a guest's bounds (already valid: `durationMin <= durationMax`). Both lengths go up
 * the ladder; the range shrinks to whole `boundMin` units. The range may come out empty
 * (`latest <= earliest`): then there is nothing to offer. A length that rounds past a day is refused.
 */
export const coarsenBounds = <C extends CoarseBounds>(
  constraints: C,
  ladder: ReadonlyArray<number> = DEFAULT_DURATION_LADDER_MIN,
  boundMin: number = AVAILABILITY_BOUND_MIN
): Either.Either<C, SlotInputInvalid> => {
  const durationMin = roundUpToLadder(constraints.durationMin, ladder)
  const durationMax = roundUpToLadder(constraints.durationMax, ladder)
  if (durationMax > SlotBounds.maxMinutes) {
    return Either.left(new SlotInputInvalid({
      field: durationMin > SlotBounds.maxMinutes ? "guest.durationMin" : "guest.durationMax",
      reason: `meeting lengths are ${ladder.join(", ")} minutes or whole hours up to ${SlotBounds.maxMinutes / 60} hours`
    }))
  }
  const unit = boundMin * MINUTE_MS
  return Either.right({
    ...constraints,
    durationMin,
    durationMax,
    earliest: Math.ceil(constraints.earliest / unit) * unit,
    latest: Math.floor(constraints.latest / unit) * unit
  })
}


/**
 * `n` of `slots` spread over the range instead of the `n` earliest, ascending by start. The earliest
 * few free slots say that every grid point before the last of them that is not among them is busy: five
 * answers from a moving cursor map a week. A spread pick (the middle of each of `n` equal shares of the
 * free slots) says how many free slots lie between two answers, never which: only a range with at most
 * `n` free slots is answered in full.
 */
export const spreadPick = <S extends { readonly start: number }>(slots: ReadonlyArray<S>, n: number): Array<S> => {
  const sorted = [...slots].sort((a, b) => a.start - b.start)
  if (sorted.length <= n) return sorted
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(((i + 0.5) * sorted.length) / n)]!)
}
