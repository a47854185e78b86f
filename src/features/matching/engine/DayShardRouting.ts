import { Clock, Effect, Either } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { BOOKED_RETENTION_MS, DAY_SHARDS_QUIET_MS } from "../../../domain/holds/policy"
import { dayOf, startDays } from "../../../domain/holds/shards"
import { slotSearchFor } from "../../../domain/holds/slotSearch"
import { MINUTE_MS } from "../../../domain/slots/civil"
import { DayShardsSwitchRefused, type Held, type HoldStoreError, NoSlotAvailable, type NewMatchError } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import type { RunMatch } from "./LocalMatch"
import { type Backoff, fromShardBackoff } from "./providerFailures"

/** Shard days older than this many days before today cannot hold anything blocking any more. */
const SHARD_DAYS_LOOKBACK = 4

/** The host's `dayShards` switch and, with it on, matches routed to the host's day shards. */
export interface DayShardRouting {
  /** A match: in this object, or (the host's day shards on) in the day shards. */
  readonly searchAndHold: (request: MatchRequest, budgetMs: number) => Effect.Effect<Held, NewMatchError | Backoff>
  /** The host's `dayShards` switch (this object must be the host's own, `idFromName(hostDid)`). */
  readonly setDayShards: (hostDid: string, on: boolean) => Effect.Effect<void, DayShardsSwitchRefused | HoldStoreError>
}

export const makeDayShardRouting = ({ ledger, locks, shards, wake }: EngineContext, runMatch: RunMatch): DayShardRouting => {
  /** Matches this object (the host's, with its day shards on) has sent to a shard and not had back. */
  let forwardsInFlight = 0
  /** Counts every match sent to a shard: the off switch checks that none was sent while it asked the shards. */
  let forwardSeq = 0

  /**
   * The match goes to the shards of the days a slot may start on, earliest first (the slot engine's
   * ranking), until one holds it; a day with no room answers NoSlotAvailable and the next day is asked. Bad
   * input is refused here, before any shard is asked. A booking held before goes to its home shard first (a
   * retry meets its hold there).
   */
  const routeToShards = (request: MatchRequest, budgetMs: number): Effect.Effect<Held, NewMatchError | Backoff> =>
    Effect.gen(function*() {
      const now = request.now ?? (yield* Clock.currentTimeMillis)
      const search = slotSearchFor(request, now, 1)
      if (Either.isLeft(search)) return yield* search.left
      if (search.right.range === undefined) {
        return yield* new NoSlotAvailable({ message: "the requested window has no time left after the notice period" })
      }
      const from = Math.max(request.guest.earliest, now + request.host.minimumNoticeMin * MINUTE_MS)
      const all = startDays(from, request.guest.latest, request.guest.durationMin * MINUTE_MS)
      const known = ledger.homeOf(request.bookingId)?.day
      const days = known === undefined ? all : [known, ...all.filter((d) => d !== known)]
      const forwarded: MatchRequest = { ...request, now, budgetMs }
      for (const day of days) {
        ledger.noteForward(day, yield* Clock.currentTimeMillis)
        forwardSeq++
        forwardsInFlight++
        const result = yield* Effect.either(shards.matchInDay(forwarded, day)).pipe(
          Effect.ensuring(Effect.sync(() => void forwardsInFlight--))
        )
        if (Either.isRight(result)) {
          const held = result.right
          const at = yield* Clock.currentTimeMillis
          ledger.putHome(request.bookingId, { hostDid: request.hostDid, day }, Math.max(held.end, at) + BOOKED_RETENTION_MS)
          yield* wake.refresh
          return held
        }
        const error = result.left
        switch (error._tag) {
          case "NoSlotAvailable":
            continue
          case "ShardBackoff":
            return yield* fromShardBackoff(error)
          default:
            return yield* error
        }
      }
      return yield* new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
    })

  const searchAndHold = (request: MatchRequest, budgetMs: number): Effect.Effect<Held, NewMatchError | Backoff> =>
    Effect.suspend(() => (ledger.dayShards() ? routeToShards(request, budgetMs) : runMatch(request, budgetMs)))

  const setDayShards = (hostDid: string, on: boolean): Effect.Effect<void, DayShardsSwitchRefused | HoldStoreError> =>
    Effect.gen(function*() {
      if (on === ledger.dayShards()) return
      const refuse = (message: string) => new DayShardsSwitchRefused({ message })
      if (on) {
        // One synchronous step: no reservation can be made here after it (`reserveNext` checks the switch).
        if (locks.count() > 0 || ledger.ownBlockingCount() > 0) {
          return yield* refuse("the host's object has live holds, meetings or operations; turn day shards on when none are left")
        }
        ledger.setDayShards(true)
        return yield* Effect.logInfo("day shards on", { hostDid })
      }
      const now = yield* Clock.currentTimeMillis
      if (forwardsInFlight > 0 || now - ledger.lastForwardAt() < DAY_SHARDS_QUIET_MS) {
        return yield* refuse(`a match was sent to a day shard less than ${DAY_SHARDS_QUIET_MS / 60_000} minutes ago`)
      }
      const started = forwardSeq
      const counts = yield* Effect.forEach(
        ledger.shardDaysFrom(dayOf(now) - SHARD_DAYS_LOOKBACK),
        (day) => shards.blockingCount(hostDid, day),
        { concurrency: 8 }
      )
      if (counts.some((n) => n > 0)) return yield* refuse("the host's day shards still have live holds or meetings")
      // Nothing was sent to a shard while they were asked: nothing can reserve there any more.
      if (forwardSeq !== started || forwardsInFlight > 0) return yield* refuse("a match was sent to a day shard meanwhile; try again")
      ledger.setDayShards(false)
      yield* Effect.logInfo("day shards off", { hostDid })
    })

  return { searchAndHold, setDayShards }
}
