import { Clock, Effect, Either } from "effect"
import { MARKER_RECHECK_MS, STORE_RETRY_MS } from "../../../domain/holds/policy"
import { hostWeekOf, type WeekClaim } from "../../../domain/holds/weekClaims"
import { DAY_MS } from "../../../domain/slots/civil"
import type { WeekClaimRequest } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"

/** How many home shards one claim asks at once about claims that came due. */
const LEASE_READS = 8
/** Claims of slots that started longer ago than this belong to weeks that are over. */
const WEEK_CLAIM_RETENTION_MS = 8 * DAY_MS

/**
 * The weekly cap across a host's day shards. A shard sees only its own day, so a host's weekly cap would be
 * counted per shard; instead every reservation a shard makes for a weekly-capped host asks the host's own
 * object first (`claimWeek`, the shard's `admit` step, before any calendar is touched). The host's object is
 * the one writer of the host's week claims: it counts the week's claims of other bookings and records this
 * one in one synchronous step, so two shards racing for the last place in a week cannot both get it.
 *
 * A claim counts until its `dueAt` (the reservation's, then the hold's expiry or the meeting's retention as the
 * home shard last said); a claim past it is checked with its home shard (`markerLease`) before the week is
 * counted: gone → dropped, still blocking → kept with the new due time (a meeting is asked again after
 * MARKER_RECHECK_MS at the earliest), home unreachable → still counted. Counting a claim too long refuses a
 * time; it never lets the cap be exceeded. A release through the host's object and a shard's rollback drop
 * the claim at once.
 */
export interface WeekCaps {
  readonly claimWeek: (claim: WeekClaimRequest) => Effect.Effect<boolean>
  readonly dropWeekClaim: (bookingId: string) => Effect.Effect<void>
}

export const makeWeekCaps = ({ ledger, shards }: EngineContext): WeekCaps => {
  /** Asks a due claim's home shard whether its hold still blocks, and keeps the answer. */
  const refresh = (claim: WeekClaim, hostDid: string, now: number): Effect.Effect<void> =>
    Effect.map(Effect.either(shards.lease(hostDid, claim.homeDay, claim.bookingId)), (lease) => {
      const current = ledger.weekClaimOf(claim.bookingId)
      // replaced meanwhile (the booking's next candidate): that claim is newer than the answer
      if (current === undefined || current.start !== claim.start) return
      if (Either.isLeft(lease)) return ledger.putWeekClaim({ ...current, dueAt: now + STORE_RETRY_MS })
      if (lease.right._tag === "gone") return ledger.removeWeekClaim(claim.bookingId)
      const { dueAt, start } = lease.right
      ledger.putWeekClaim({
        ...current,
        start,
        week: hostWeekOf(current.hostTz, start), // a meeting moved since is counted in its new week
        dueAt: Math.max(dueAt, now + MARKER_RECHECK_MS)
      })
    })

  const claimWeek = (request: WeekClaimRequest): Effect.Effect<boolean> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      ledger.forgetWeekClaims(now - WEEK_CLAIM_RETENTION_MS)
      const week = hostWeekOf(request.hostTz, request.start)
      const others = () => ledger.weekClaims(week).filter((c) => c.bookingId !== request.bookingId)
      const due = others().filter((c) => c.dueAt <= now)
      yield* Effect.forEach(due, (c) => refresh(c, request.hostDid, now), { concurrency: LEASE_READS, discard: true })
      // the count and the insert in one synchronous step
      if (others().length >= request.max) return false
      ledger.putWeekClaim({
        bookingId: request.bookingId,
        week,
        start: request.start,
        homeDay: request.homeDay,
        dueAt: request.dueAt,
        hostTz: request.hostTz
      })
      return true
    })

  const dropWeekClaim = (bookingId: string): Effect.Effect<void> => Effect.sync(() => ledger.removeWeekClaim(bookingId))

  return { claimWeek, dropWeekClaim }
}
