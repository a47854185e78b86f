import { Clock, Duration, Effect, Either } from "effect"
import { candidateSpans, commitmentsRange } from "../../../domain/holds/candidates"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { separationMs, type Span } from "../../../domain/holds/overlap"
import { MAX_PLACE_ATTEMPTS } from "../../../domain/holds/policy"
import { slotSearchFor } from "../../../domain/holds/slotSearch"
import type { SlotInputInvalid, SlotQuery } from "../../../domain/slots"
import { HoldStoreError, type MatchError, NoSlotAvailable, TooManyHolds } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import { type HoldRecord, noHold, tryReserve, unknownHold } from "./HoldLedger"
import { moveKeyOf } from "./holdRecords"

/** Another live hold of the guest: not this booking's own records (its markers, its move key), not a move. */
const isOtherHold = (bookingId: string) => (key: string): boolean =>
  key !== bookingId && !key.startsWith(`${bookingId}#`) && !key.endsWith("#move")
import { Backoff, classify, type PartyFailure } from "./providerFailures"

const DEFAULT_SUMMARY = "Overlap: tentative hold"

/** What the slot search needs of a match or a reschedule. */
export type SearchInput = Pick<MatchRequest, "hostDid" | "guestDid" | "offers" | "guest" | "host" | "now">
/** What a reservation needs to name its record. */
export type ReserveInput = Pick<MatchRequest, "bookingId" | "hostDid" | "guestDid" | "guest" | "host" | "summary">

/** How the next candidate is reserved. */
export interface ReserveTerms {
  /** How long the reservation blocks if nothing finishes it (the alarm cleans it up then). */
  readonly reservedForMs: number
  /**
   * A booked meeting being rescheduled: its own time is not counted, and the new time is reserved under its
   * move key with no calendar holds (the meeting's events are moved, not placed).
   */
  readonly moving?: HoldRecord
  /** This object is the day shard of that UTC day: slots starting on it only. */
  readonly inDay?: number
}

/** Which times a match or a move tries, in what order, and the reservation of the next one. */
export interface Planner {
  /**
   * Validates the request (no provider call for bad input), then both calendars' busy time in parallel
   * within `budgetMs`: the slot query, ready for `reserveNext`.
   */
  readonly searchFor: (request: SearchInput, budgetMs: number) => Effect.Effect<SlotQuery, MatchError | Backoff>
  /**
   * The critical section: candidates against the ledger as it is NOW, the first free one reserved, in one
   * synchronous step. Undefined when no candidate is left (`tried` holds the times calendars refused).
   */
  readonly reserveNext: (
    request: ReserveInput,
    query: SlotQuery,
    tried: ReadonlyArray<Span>,
    terms: ReserveTerms
  ) => Effect.Effect<HoldRecord | undefined, SlotInputInvalid | HoldStoreError>
  /**
   * `reserveNext` for a new match: refused with `TooManyHolds` when the guest already has `maxLive` live holds
   * in this object — checked in the same synchronous step as the insert, so two matches of one guest cannot
   * both pass it.
   */
  readonly reserveNextForGuest: (
    request: ReserveInput,
    query: SlotQuery,
    tried: ReadonlyArray<Span>,
    terms: ReserveTerms,
    maxLive: number
  ) => Effect.Effect<HoldRecord | undefined, SlotInputInvalid | HoldStoreError | TooManyHolds>
  /** The refusal when the guest has `maxLive` live holds here besides the booking's own (checked before any calendar is asked). */
  readonly overLimit: (request: ReserveInput, maxLive: number, now: number) => TooManyHolds | undefined
}

export const makePlanner = ({ calendar, ledger }: EngineContext): Planner => {
  const searchFor = (request: SearchInput, budgetMs: number): Effect.Effect<SlotQuery, MatchError | Backoff> =>
    Effect.gen(function*() {
      const now = request.now ?? (yield* Clock.currentTimeMillis)
      // Bad input is refused before any calendar is asked.
      const search = slotSearchFor(request, now, MAX_PLACE_ATTEMPTS + 2)
      if (Either.isLeft(search)) return yield* search.left
      const { query, range } = search.right
      if (range === undefined) {
        return yield* new NoSlotAvailable({ message: "the requested window has no time left after the notice period" })
      }

      // Both calendars at once: the match waits for the slower one, not for the sum.
      const { guestBusy, hostBusy } = yield* Effect.all({
        hostBusy: Effect.mapError(calendar.busy(request.hostDid, range), (error): PartyFailure => ({ party: "host", error })),
        guestBusy: Effect.mapError(calendar.busy(request.guestDid, range), (error): PartyFailure => ({ party: "guest", error }))
      }, { concurrency: 2 }).pipe(
        Effect.mapError((failure) => classify(failure)),
        Effect.timeoutFail({
          duration: Duration.millis(budgetMs),
          onTimeout: () => new Backoff({ retryAfterMs: 1_000, reason: "free/busy slower than the budget" })
        })
      )
      return { ...query, hostBusy, guestBusy }
    })

  const overLimit = (request: ReserveInput, maxLive: number, now: number): TooManyHolds | undefined =>
    ledger.liveHoldsOfGuest(request.guestDid, now).filter(isOtherHold(request.bookingId)).length < maxLive
      ? undefined
      : new TooManyHolds({
        message: maxLive === 1
          ? "you already hold a time with this host; confirm it or let it go before asking for another"
          : `you already hold ${maxLive} times with this host; confirm or let one go before asking for another`
      })

  const reserve = (
    request: ReserveInput,
    query: SlotQuery,
    tried: ReadonlyArray<Span>,
    { inDay, moving, reservedForMs }: ReserveTerms,
    maxLive: number | undefined
  ): Effect.Effect<HoldRecord | undefined, SlotInputInvalid | HoldStoreError | TooManyHolds> =>
    Effect.flatMap(Clock.currentTimeMillis, (createdAt) =>
      Effect.suspend((): Effect.Effect<HoldRecord | undefined, SlotInputInvalid | HoldStoreError | TooManyHolds> => {
        const refused = maxLive === undefined ? undefined : overLimit(request, maxLive, createdAt)
        if (refused !== undefined) return Effect.fail(refused)
        // The host's object holds nothing of its own while its day shards are on (checked in the same step as
        // the insert, so a switch turned on while this match waited for free/busy cannot be slipped past).
        if (inDay === undefined && ledger.dayShards()) {
          return Effect.fail(new HoldStoreError({ message: "the host's day shards were turned on; retry", cause: null }))
        }
        const { from, until } = commitmentsRange(query)
        const candidates = candidateSpans(query, ledger.commitmentsBetween(from, until), {
          tried,
          ...(moving !== undefined ? { moving } : {}),
          ...(inDay !== undefined ? { inDay } : {})
        })
        if (Either.isLeft(candidates)) return Effect.fail(candidates.left)
        const gap = separationMs(request.host)
        for (const slot of candidates.right) {
          const record: HoldRecord = {
            bookingId: moving === undefined ? request.bookingId : moveKeyOf(moving.bookingId),
            hostDid: request.hostDid,
            guestDid: request.guestDid,
            start: slot.start,
            end: slot.end,
            state: "reserved",
            dueAt: createdAt + reservedForMs,
            host: moving === undefined ? unknownHold : noHold,
            guest: moving === undefined ? unknownHold : noHold,
            attempts: 0,
            hostTz: moving?.hostTz ?? request.host.timeZone,
            guestTz: moving?.guestTz ?? request.guest.timeZone,
            summary: moving?.summary ?? request.summary ?? DEFAULT_SUMMARY,
            createdAt
          }
          // The slot engine already counted every commitment; the ledger re-checks before it inserts.
          if (tryReserve(ledger, record, gap, moving?.bookingId)) return Effect.succeed(record)
        }
        return Effect.succeed(undefined)
      }))

  const reserveNext = (
    request: ReserveInput,
    query: SlotQuery,
    tried: ReadonlyArray<Span>,
    terms: ReserveTerms
  ): Effect.Effect<HoldRecord | undefined, SlotInputInvalid | HoldStoreError> =>
    // with no limit there is nothing to refuse
    reserve(request, query, tried, terms, undefined).pipe(Effect.catchTag("TooManyHolds", (error) => Effect.die(error)))

  const reserveNextForGuest = (
    request: ReserveInput,
    query: SlotQuery,
    tried: ReadonlyArray<Span>,
    terms: ReserveTerms,
    maxLive: number
  ) => reserve(request, query, tried, terms, maxLive)

  return { searchFor, reserveNext, reserveNextForGuest, overLimit }
}
