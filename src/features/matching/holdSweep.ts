import { Effect } from "effect"
import { BookingsRepo } from "../../services/BookingsRepo"
import { HoldStore } from "../../services/HoldStore"

/**
 * The backstop for HostMatchDO's alarms: holds that D1 still shows as `held` although they expired more
 * than a grace period ago are handed to their host's object to expire (D1 → `expired`, both calendars
 * released). The object decides; asking twice is harmless. Never fails: a failure is logged and the next
 * minute's sweep asks again.
 */
export const HOLD_SWEEP_GRACE_MS = 60_000

export const sweepExpiredHolds = (now: number, limit: number): Effect.Effect<number, never, BookingsRepo | HoldStore> =>
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const holds = yield* HoldStore
    const expired = yield* bookings.listExpiredHolds(now - HOLD_SWEEP_GRACE_MS, limit)
    yield* Effect.forEach(expired, (booking) =>
      holds.expire(booking.hostDid, booking.id).pipe(
        Effect.catchAll((error) => Effect.logWarning("expire-holds: a host object did not answer", { bookingId: booking.id, error: error.message }))
      ), { concurrency: 8, discard: true })
    return expired.length
  }).pipe(
    Effect.catchAll((error) => Effect.logWarning("expire-holds: could not list expired holds", { error: error.message }).pipe(Effect.as(0)))
  )
