import { Clock, Effect, Either } from "effect"
import { MAX_HOLD_MS } from "../../../domain/holds/overlap"
import { MARKER_RECHECK_MS, STORE_RETRY_MS } from "../../../domain/holds/policy"
import { markerKey, markerOwner, shardDaysOf } from "../../../domain/holds/shards"
import type { MarkerClaim, MarkerLease } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import { type HoldRecord, isMarker, noHold, tryReserve } from "./HoldLedger"

/**
 * Day shards: a hold homed in one day's shard is registered (a marker with its real span) in the other
 * shards its buffered footprint reaches, so no shard can hold a time that clashes with it.
 */
export interface Markers {
  /**
   * Registers a hold reserved here (its home shard `home`) in the other day shards its footprint touches,
   * in ascending day order. Any refusal (or failure) rolls back the shards already taken: false, and the
   * caller drops its reservation.
   */
  readonly claimFootprint: (record: HoldRecord, gapMs: number, home: number) => Effect.Effect<boolean>
  /**
   * Another shard's hold registered here: accepted unless it clashes with a blocking commitment here,
   * checked and inserted in one step. A claim again under the same key replaces the old marker.
   */
  readonly claimMarker: (claim: MarkerClaim) => Effect.Effect<boolean>
  readonly dropMarker: (key: string) => Effect.Effect<void>
  /** Whether a hold homed here still blocks, for a marker of it in another shard. */
  readonly markerLease: (bookingId: string) => Effect.Effect<MarkerLease>
  /**
   * A marker came due: its home says whether the hold still blocks. Blocking with the same span: the marker
   * follows it (state and due time); gone, released or moved: the marker goes. Home unreachable: it stays.
   */
  readonly renewMarker: (marker: HoldRecord) => Effect.Effect<void>
}

export const makeMarkers = ({ ledger, shards, wake }: EngineContext): Markers => {
  const claimFootprint = (record: HoldRecord, gapMs: number, home: number): Effect.Effect<boolean> =>
    Effect.gen(function*() {
      const key = markerKey(record.bookingId, home)
      const claim: MarkerClaim = {
        key,
        hostDid: record.hostDid,
        guestDid: record.guestDid,
        start: record.start,
        end: record.end,
        dueAt: record.dueAt,
        gapMs
      }
      const taken: Array<number> = []
      for (const day of shardDaysOf(record, gapMs)) {
        if (day === home) continue
        const accepted = yield* shards.claim(day, claim).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning("a day shard could not be asked; the reservation is dropped", { day, error: String(error) }).pipe(
              Effect.as(false)
            )
          )
        )
        if (!accepted) {
          yield* Effect.forEach(taken, (d) => Effect.ignore(shards.drop(record.hostDid, d, key)), { discard: true })
          return false
        }
        taken.push(day)
      }
      ledger.putMarks(record.bookingId, taken)
      return true
    })

  const claimMarker = (claim: MarkerClaim): Effect.Effect<boolean> =>
    Effect.gen(function*() {
      if (!isMarker(claim.key) || !(claim.end > claim.start) || claim.end - claim.start > MAX_HOLD_MS) return false
      const now = yield* Clock.currentTimeMillis
      const marker: HoldRecord = {
        bookingId: claim.key,
        hostDid: claim.hostDid,
        guestDid: claim.guestDid,
        start: claim.start,
        end: claim.end,
        state: "reserved",
        dueAt: claim.dueAt,
        host: noHold,
        guest: noHold,
        attempts: 0,
        hostTz: "UTC",
        guestTz: "UTC",
        summary: "",
        createdAt: now
      }
      const accepted = tryReserve(ledger, marker, claim.gapMs, claim.key)
      if (accepted) yield* wake.refresh
      return accepted
    })

  const dropMarker = (key: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (!isMarker(key) || ledger.get(key) === undefined) return Effect.void
      ledger.remove(key)
      return wake.refresh
    })

  const markerLease = (bookingId: string): Effect.Effect<MarkerLease> =>
    Effect.sync((): MarkerLease => {
      const record = ledger.get(bookingId)
      return record === undefined || record.state === "releasing"
        ? { _tag: "gone" }
        : { _tag: "blocking", start: record.start, end: record.end, state: record.state, dueAt: record.dueAt }
    })

  const renewMarker = (marker: HoldRecord): Effect.Effect<void> =>
    Effect.gen(function*() {
      const owner = markerOwner(marker.bookingId)
      const lease = owner === undefined
        ? Either.right<MarkerLease>({ _tag: "gone" })
        : yield* Effect.either(shards.lease(marker.hostDid, owner.homeDay, owner.bookingId))
      const now = yield* Clock.currentTimeMillis
      const current = ledger.get(marker.bookingId)
      if (current === undefined) return
      if (Either.isLeft(lease)) {
        yield* Effect.logWarning("a marker's home shard could not be asked; the marker keeps blocking", {
          key: marker.bookingId,
          error: String(lease.left)
        })
        ledger.put({ ...current, dueAt: now + STORE_RETRY_MS })
      } else if (lease.right._tag === "blocking" && lease.right.start === current.start && lease.right.end === current.end) {
        ledger.put({ ...current, state: lease.right.state, dueAt: Math.max(lease.right.dueAt, now + MARKER_RECHECK_MS) })
      } else {
        ledger.remove(current.bookingId)
      }
    })

  return { claimFootprint, claimMarker, dropMarker, markerLease, renewMarker }
}
