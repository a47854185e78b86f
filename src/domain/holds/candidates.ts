import { Either } from "effect"
import { findSlots, type SlotInputInvalid, type SlotQuery } from "../slots"
import { DAY_MS } from "../slots/civil"
import { MAX_HOLD_MS, type Span, withoutOne } from "./overlap"
import { dayOf } from "./shards"

/** A host's blocking commitments as its ledger has them: reserved and held as `holds`, booked as `bookings`. */
export interface Commitments {
  readonly holds: ReadonlyArray<Span>
  readonly bookings: ReadonlyArray<Span>
}

/** What the planner needs besides the slot query. */
export interface CandidatePlan {
  /** Times a calendar already refused in this match: counted as the guest's busy time. */
  readonly tried: ReadonlyArray<Span>
  /** A booked meeting being moved: its own time is not counted (it may move to an overlapping time). */
  readonly moving?: Span
  /** This object is the day shard of that UTC day: only slots starting on it. */
  readonly inDay?: number
}

/**
 * The span of commitments a search needs: a day either side of the guest's window (the host's daily limit and
 * buffers), a week either side when the host limits bookings per week (the whole host-local weeks it touches).
 */
export const commitmentsRange = (query: SlotQuery): { readonly from: number; readonly until: number } => {
  const reach = query.host.maxBookingsPerWeek === undefined ? DAY_MS : 8 * DAY_MS
  return { from: query.guest.earliest - reach, until: query.guest.latest + reach }
}

/**
 * The times to try, best first (the slot engine's ranking), with the host's commitments counted as busy:
 * slots longer than a hold may last, and (in a day shard) slots starting on another day, are left out.
 */
export const candidateSpans = (
  query: SlotQuery,
  commitments: Commitments,
  plan: CandidatePlan
): Either.Either<ReadonlyArray<Span>, SlotInputInvalid> => {
  const { inDay, moving, tried } = plan
  const holds = moving === undefined ? commitments.holds : withoutOne(commitments.holds, moving)
  const bookings = moving === undefined ? commitments.bookings : withoutOne(commitments.bookings, moving)
  return Either.map(
    findSlots({ ...query, guestBusy: [...query.guestBusy, ...tried], holds, bookings }),
    (slots) =>
      slots.filter((slot) => slot.end - slot.start <= MAX_HOLD_MS && (inDay === undefined || dayOf(slot.start) === inDay))
  )
}
