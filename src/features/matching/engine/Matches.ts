import { Effect } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { DEFAULT_MATCH_BUDGET_MS } from "../../../domain/holds/policy"
import {
  type Held,
  HoldStoreError,
  type MatchOutcome,
  type NewMatchError,
  PendingMatch,
  type ShardBackoff
} from "../../../services/HoldStore"
import type { DayShardRouting } from "./DayShardRouting"
import type { EngineContext } from "./EngineContext"
import type { HoldRecord } from "./HoldLedger"
import { heldOf } from "./holdRecords"
import type { RunMatch } from "./LocalMatch"
import type { PendingMatches } from "./PendingMatches"
import { toShardBackoff } from "./providerFailures"

/** The two ways in to a match: from the API (`match`) and, in a day shard, from the host's object. */
export interface Matches {
  /** `HoldStore.match`: idempotent per booking id; rate-limited or slow calendars answer with a token. */
  readonly match: (request: MatchRequest) => Effect.Effect<MatchOutcome, NewMatchError>
  /** A day shard's part of a match (called by the host's object): slots starting on `day` only. */
  readonly matchInDay: (request: MatchRequest, day: number) => Effect.Effect<Held, NewMatchError | ShardBackoff>
}

export const makeMatches = (
  { ledger, locks, wake }: EngineContext,
  parts: { readonly runMatch: RunMatch; readonly routing: DayShardRouting; readonly pending: PendingMatches }
): Matches => {
  const { pending, routing, runMatch } = parts

  /** A booking this object knows already: its hold again, or why it cannot be matched now. */
  const repeated = (request: MatchRequest, existing: HoldRecord): Effect.Effect<Held, HoldStoreError> => {
    const id = request.bookingId
    if (existing.guestDid !== request.guestDid || existing.hostDid !== request.hostDid) {
      return Effect.fail(new HoldStoreError({ message: `booking ${id} belongs to another match`, cause: null }))
    }
    if (existing.state === "held" || existing.state === "booked") return Effect.succeed(heldOf(existing))
    return Effect.fail(locks.busy(id))
  }

  const match = (request: MatchRequest): Effect.Effect<MatchOutcome, NewMatchError> =>
    Effect.suspend((): Effect.Effect<MatchOutcome, NewMatchError> => {
      const id = request.bookingId
      if (locks.isHeld(id)) return Effect.fail(locks.busy(id))
      const existing = ledger.get(id)
      if (existing !== undefined) return repeated(request, existing)
      const known = ledger.matchForBooking(id)
      if (known !== undefined) {
        if (known.status._tag === "pending") {
          return Effect.succeed(new PendingMatch({ token: known.token, retryAfterSec: known.status.retryAfterSec }))
        }
        if (known.status._tag === "held") return Effect.succeed(known.status.hold)
        ledger.removeMatch(known.token) // it failed before: this is a new attempt
      }
      return routing.searchAndHold(request, request.budgetMs ?? DEFAULT_MATCH_BUDGET_MS).pipe(
        Effect.catchTag("Backoff", (backoff) => pending.start(request, backoff)),
        locks.exclusive(id)
      )
    })

  const matchInDay = (request: MatchRequest, day: number): Effect.Effect<Held, NewMatchError | ShardBackoff> =>
    Effect.suspend((): Effect.Effect<Held, NewMatchError | ShardBackoff> => {
      const id = request.bookingId
      if (locks.isHeld(id)) return Effect.fail(locks.busy(id))
      const existing = ledger.get(id)
      if (existing !== undefined) return repeated(request, existing)
      return runMatch(request, request.budgetMs ?? DEFAULT_MATCH_BUDGET_MS, day).pipe(
        Effect.catchTag("Backoff", (backoff) => Effect.fail(toShardBackoff(backoff))),
        Effect.zipLeft(wake.refresh),
        locks.exclusive(id)
      )
    })

  return { match, matchInDay }
}
