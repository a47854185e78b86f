import { Effect } from "effect"
import { HoldStoreError } from "../../../services/HoldStore"

/**
 * Booking ids (and move keys) with a match, confirm, release or move running in this engine instance:
 * nothing else touches them meanwhile.
 */
export interface BookingLocks {
  readonly isHeld: (bookingId: string) => boolean
  /** How many are held now (the dayShards switch needs none). */
  readonly count: () => number
  /** The answer to a call that finds its booking held: retryable. */
  readonly busy: (bookingId: string) => HoldStoreError
  /** Runs `self` holding the booking; fails at once (checked and taken in one step) if it is held already. */
  readonly exclusive: (bookingId: string) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | HoldStoreError, R>
}

export const makeBookingLocks = (): BookingLocks => {
  const inFlight = new Set<string>()
  const busy = (bookingId: string) =>
    new HoldStoreError({ message: `booking ${bookingId} has an operation in progress; retry`, cause: null })
  return {
    isHeld: (bookingId) => inFlight.has(bookingId),
    count: () => inFlight.size,
    busy,
    exclusive: (bookingId) => (self) =>
      Effect.acquireUseRelease(
        Effect.suspend(() => inFlight.has(bookingId) ? Effect.fail(busy(bookingId)) : Effect.sync(() => void inFlight.add(bookingId))),
        () => self,
        () => Effect.sync(() => inFlight.delete(bookingId))
      )
  }
}
