import { Clock, Effect, Option } from "effect"
import { BOOKED_RETENTION_MS, STORE_RETRY_MS } from "../../../domain/holds/policy"
import type { HoldStoreError } from "../../../services/HoldStore"
import type { BookingsMirror } from "./BookingsMirror"
import { DUE_BATCH, type EngineContext, IN_FLIGHT_RECHECK_MS } from "./EngineContext"
import { isMarker } from "./HoldLedger"
import type { Markers } from "./Markers"
import type { PendingMatches } from "./PendingMatches"
import type { Releases } from "./Releases"

/** Holds whose time is up, and the object's alarm that finds them. */
export interface Expiry {
  /**
   * `HoldStore.expire` (the `expire-holds` cron's backstop for the alarm): D1 `held` → `expired`, then both
   * calendars released. Idempotent; a booking that was confirmed meanwhile is left alone.
   */
  readonly expire: (bookingId: string) => Effect.Effect<void, HoldStoreError>
  /** The alarm: everything due — expiries, release retries, markers, stale matches, forgetting old records. */
  readonly wakeUp: Effect.Effect<void>
}

export const makeExpiry = (
  { bookings, ledger, locks, shards, wake }: EngineContext,
  parts: { readonly releases: Releases; readonly mirror: BookingsMirror; readonly markers: Markers; readonly pending: PendingMatches }
): Expiry => {
  const { markers, mirror, pending, releases } = parts

  /** A held (or stale reserved) record whose time is up, as the ledger has it now: D1 first, then the calendars. */
  const expireRecord = (bookingId: string): Effect.Effect<void> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const before = ledger.get(bookingId)
      if (before === undefined || (before.state !== "held" && before.state !== "reserved") || before.dueAt > now) return
      const outcome = yield* mirror.settleExpired(bookingId)
      const current = ledger.get(bookingId)
      if (current === undefined || (current.state !== "held" && current.state !== "reserved")) return
      switch (outcome) {
        case "booked":
          ledger.put({ ...current, state: "booked", dueAt: current.end + BOOKED_RETENTION_MS })
          return yield* wake.refresh
        case "retry":
          ledger.put({ ...current, dueAt: now + STORE_RETRY_MS })
          return yield* wake.refresh
        case "release":
          return yield* releases.startRelease(current)
      }
    })

  const expire = (bookingId: string): Effect.Effect<void, HoldStoreError> =>
    Effect.gen(function*() {
      if (locks.isHeld(bookingId)) return
      const now = yield* Clock.currentTimeMillis
      const record = ledger.get(bookingId)
      const home = record === undefined ? ledger.homeOf(bookingId) : undefined
      if (home !== undefined) return yield* shards.expire(home.hostDid, home.day, bookingId)
      if (isMarker(bookingId)) return
      if (record === undefined) {
        // Unknown here (released already, or never mirrored correctly): only D1 may still say held.
        const booking = yield* Effect.option(bookings.get(bookingId))
        if (Option.isSome(booking) && booking.value.status === "held" && (booking.value.holdExpiresAt ?? 0) <= now) {
          yield* mirror.settleExpired(bookingId)
        }
        return
      }
      if ((record.state === "held" || record.state === "reserved") && record.dueAt <= now) {
        return yield* expireRecord(bookingId).pipe(locks.exclusive(bookingId))
      }
      if (record.state === "releasing") return yield* releases.releaseCalendars(record).pipe(locks.exclusive(bookingId))
    })

  const wakeUp: Effect.Effect<void> = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const due = ledger.dueHolds(now, DUE_BATCH).map((r) => r.bookingId)
    yield* Effect.forEach(due, (bookingId) =>
      Effect.suspend((): Effect.Effect<void, HoldStoreError> => {
        // Read again: an earlier item of this batch, or a call meanwhile, may have changed it.
        const record = ledger.get(bookingId)
        if (record === undefined || record.dueAt > now) return Effect.void
        if (isMarker(bookingId)) return markers.renewMarker(record)
        if (locks.isHeld(bookingId)) {
          // Its own operation decides; look again shortly rather than spinning on a due time in the past.
          return Effect.sync(() => ledger.put({ ...record, dueAt: now + IN_FLIGHT_RECHECK_MS }))
        }
        switch (record.state) {
          case "reserved":
          case "held":
            return expireRecord(bookingId).pipe(locks.exclusive(bookingId))
          case "releasing":
            return releases.releaseCalendars(record).pipe(locks.exclusive(bookingId))
          case "booked":
            return Effect.sync(() => ledger.remove(bookingId))
        }
      }).pipe(Effect.catchTag("HoldStoreError", () => Effect.void)), { concurrency: 8, discard: true })
    pending.sweepDue(now)
    ledger.forgetHomes(now)
    yield* wake.refresh
  })

  return { expire, wakeUp }
}
