import { Clock, Effect, Either, Schedule } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { makeMatchToken, MATCH_RECORD_RETENTION_MS, PENDING_MATCH_DEADLINE_MS, QUEUED_MATCH_BUDGET_MS } from "../../../domain/holds/policy"
import {
  type HoldStoreError,
  MatchNotFound,
  type MatchStatus,
  NotParticipant,
  PendingMatch
} from "../../../services/HoldStore"
import type { DayShardRouting } from "./DayShardRouting"
import { DUE_BATCH, type EngineContext, IN_FLIGHT_RECHECK_MS } from "./EngineContext"
import { type Backoff, retryAfterSec } from "./providerFailures"

/** Matches answered with a token: queued, continued by the `calendar-tasks` consumer, polled by their people. */
export interface PendingMatches {
  /** The match goes on through the queue: a token for its people to poll. */
  readonly start: (request: MatchRequest, backoff: Backoff) => Effect.Effect<PendingMatch, HoldStoreError>
  /** Runs a pending match again; `pending` means "try again later". */
  readonly resume: (token: string) => Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError>
  /** Progress of a pending match, for its guest or host only. */
  readonly status: (token: string, callerDid: string) => Effect.Effect<MatchStatus, MatchNotFound | NotParticipant>
  /** The alarm's part: pending matches past their deadline fail, finished ones are forgotten. Synchronous. */
  readonly sweepDue: (now: number) => void
  /**
   * Account deletion: every match record of `did` (as guest or host) goes, so a pending one stops now rather than at
   * its deadline (its token then answers MatchNotFound, its queued retry is acked). One running now is waited for:
   * what it held is then a `held` booking the deletion cancels. Answers how many were still pending.
   */
  readonly forgetOf: (did: string) => Effect.Effect<number, HoldStoreError>
}

/** How long account deletion waits for a match of the account that is running right now (its budget is shorter). */
const IN_FLIGHT_WAIT = Schedule.intersect(Schedule.spaced("250 millis"), Schedule.recurs(120))

export const makePendingMatches = (
  { config, ledger, locks, tasks, wake }: EngineContext,
  routing: DayShardRouting
): PendingMatches => {
  const start = (request: MatchRequest, backoff: Backoff): Effect.Effect<PendingMatch, HoldStoreError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const token = makeMatchToken(config.objectKey, crypto.getRandomValues(new Uint8Array(16)))
      const wait = retryAfterSec(backoff.retryAfterMs)
      const { budgetMs: _budget, now: _now, ...stored } = request
      ledger.putMatch({
        token,
        bookingId: request.bookingId,
        guestDid: request.guestDid,
        request: stored,
        status: { _tag: "pending", retryAfterSec: wait },
        attempts: 0,
        dueAt: now + PENDING_MATCH_DEADLINE_MS,
        createdAt: now
      })
      yield* tasks.enqueue({ kind: "match", token }, backoff.reason.endsWith("rate-limited") ? wait : 0).pipe(
        Effect.tapError(() => Effect.sync(() => ledger.removeMatch(token)))
      )
      yield* wake.refresh
      yield* Effect.logInfo("match continues through the queue", { bookingId: request.bookingId, reason: backoff.reason })
      return new PendingMatch({ token, retryAfterSec: wait })
    })

  const resume = (token: string): Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError> =>
    Effect.suspend((): Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError> => {
      const record = ledger.getMatch(token)
      if (record === undefined) return Effect.fail(new MatchNotFound({ token }))
      if (record.status._tag !== "pending" || locks.isHeld(record.bookingId)) return Effect.succeed(record.status)
      return Effect.gen(function*() {
        const result = yield* Effect.either(routing.searchAndHold(record.request, QUEUED_MATCH_BUDGET_MS))
        const now = yield* Clock.currentTimeMillis
        const finished = (status: MatchStatus): MatchStatus => {
          ledger.putMatch({ ...record, status, attempts: record.attempts + 1, dueAt: now + MATCH_RECORD_RETENTION_MS })
          return status
        }
        if (Either.isRight(result)) return finished({ _tag: "held", hold: result.right })
        const error = result.left
        switch (error._tag) {
          case "Backoff": {
            // Still rate-limited or slow: the object queues the next try itself (until the deadline).
            const wait = retryAfterSec(error.retryAfterMs)
            const status: MatchStatus = { _tag: "pending", retryAfterSec: wait }
            ledger.putMatch({ ...record, status, attempts: record.attempts + 1 })
            yield* tasks.enqueue({ kind: "match", token }, wait)
            return status
          }
          case "HoldStoreError":
            return yield* error
          case "NoSlotAvailable":
            return finished({ _tag: "failed", failure: "NoSlotAvailable", message: error.message })
          case "CalendarUnavailable":
            return finished({ _tag: "failed", failure: "CalendarUnavailable", message: error.message })
          case "SlotInputInvalid":
            return finished({ _tag: "failed", failure: "InvalidConstraints", message: error.message })
          case "TooManyHolds":
            return finished({ _tag: "failed", failure: "TooManyHolds", message: error.message })
        }
      }).pipe(Effect.zipLeft(wake.refresh), locks.exclusive(record.bookingId))
    })

  const status = (token: string, callerDid: string): Effect.Effect<MatchStatus, MatchNotFound | NotParticipant> =>
    Effect.suspend((): Effect.Effect<MatchStatus, MatchNotFound | NotParticipant> => {
      const record = ledger.getMatch(token)
      if (record === undefined) return Effect.fail(new MatchNotFound({ token }))
      if (callerDid !== record.guestDid && callerDid !== record.request.hostDid) return Effect.fail(new NotParticipant({ token }))
      return Effect.succeed(record.status)
    })

  const sweepDue = (now: number): void => {
    for (const record of ledger.dueMatches(now, DUE_BATCH)) {
      const pending = record.status._tag === "pending"
      if (pending && locks.isHeld(record.bookingId)) {
        ledger.putMatch({ ...record, dueAt: now + IN_FLIGHT_RECHECK_MS })
      } else if (pending) {
        ledger.putMatch({
          ...record,
          status: { _tag: "failed", failure: "CalendarUnavailable", message: "the calendars did not answer in time" },
          dueAt: now + MATCH_RECORD_RETENTION_MS
        })
      } else {
        ledger.removeMatch(record.token)
      }
    }
  }

  const forgetOf = (did: string): Effect.Effect<number, HoldStoreError> =>
    Effect.gen(function*() {
      let canceled = 0
      for (const record of ledger.matchesOf(did)) {
        const wasPending = yield* Effect.sync(() => {
          const current = ledger.getMatch(record.token)
          if (current === undefined) return false
          ledger.removeMatch(record.token)
          return current.status._tag === "pending"
        }).pipe(locks.exclusive(record.bookingId), Effect.retry(IN_FLIGHT_WAIT))
        if (wasPending) canceled++
      }
      if (canceled > 0) yield* Effect.logInfo("pending matches canceled: account deleted", { canceled })
      yield* wake.refresh
      return canceled
    })

  return { start, resume, status, sweepDue, forgetOf }
}
