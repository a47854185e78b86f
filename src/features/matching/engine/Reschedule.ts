import { Duration, Effect, Either } from "effect"
import type { Booking } from "../../../domain/booking/booking"
import { subtractSpan, type Span } from "../../../domain/holds/overlap"
import { BOOKED_RETENTION_MS, PLACE_TIMEOUT_MS, QUEUED_MATCH_BUDGET_MS, STORE_RETRY_MS } from "../../../domain/holds/policy"
import type { SlotQuery } from "../../../domain/slots"
import { ProviderUnavailable } from "../../../services/CalendarProvider"
import {
  type CalendarParty,
  CalendarUnavailable,
  HoldNotFound,
  HoldStoreError,
  NoSlotAvailable,
  type RescheduleError,
  type RescheduleRequest
} from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import type { HoldRecord, PartyHold } from "./HoldLedger"
import { didOf, moveKeyOf } from "./holdRecords"
import type { Planner } from "./Planner"
import type { Backoff, PartyFailure } from "./providerFailures"
import { type PartyResult, runTwoParty } from "./TwoPartyExecutor"

/** How long a move key blocks the new time if nothing finishes the move (both moves, D1, a move back). */
const MOVE_RESERVED_MS = 3 * PLACE_TIMEOUT_MS + STORE_RETRY_MS

/**
 * `HoldStore.reschedule`: a booked meeting moves in place. The new time is reserved under the meeting's
 * move key (the planner leaves the meeting's own time out of the busy set, so it may overlap it) while the
 * two-party executor moves both calendar events; the old time stays blocked until the D1 row has the new
 * time, then the meeting's record takes it and the move key is dropped. A failure moves the events back.
 */
export type Reschedule = (request: RescheduleRequest) => Effect.Effect<Booking, RescheduleError>

export const makeReschedule = (context: EngineContext, planner: Planner): Reschedule => {
  const { bookings, calendar, ledger, locks, wake } = context

  /** Moves one calendar's event of a booked meeting; a calendar whose event this object never learned is left. */
  const moveParty = (record: HoldRecord, party: CalendarParty, to: Span): Effect.Effect<PartyResult<PartyHold>> => {
    const hold = party === "host" ? record.host : record.guest
    if (hold._tag !== "placed") return Effect.succeed(Either.right(hold))
    return calendar.moveHold(didOf(record, party), hold.ref, to).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(PLACE_TIMEOUT_MS),
        onTimeout: () => new ProviderUnavailable({ provider: "timeout", cause: `no answer in ${PLACE_TIMEOUT_MS} ms` })
      }),
      Effect.map((ref): PartyHold => ({ _tag: "placed", ref })),
      Effect.mapError((error): PartyFailure => ({ party, error })),
      Effect.either
    )
  }

  /**
   * Puts one calendar's event back at the meeting's current time after a failed move: the one that moved
   * (with its new ref), or the one whose outcome is unknown (a timeout or a 5xx: moving it back is harmless
   * if it never moved). Answers what the ledger should keep for that calendar.
   */
  const moveBack = (record: HoldRecord, party: CalendarParty, result: PartyResult<PartyHold>): Effect.Effect<PartyHold> => {
    const before = party === "host" ? record.host : record.guest
    if (before._tag !== "placed") return Effect.succeed(before)
    const ref = Either.isRight(result)
      ? (result.right._tag === "placed" ? result.right.ref : undefined)
      : result.left.error._tag === "ProviderUnavailable"
      ? before.ref
      : undefined
    if (ref === undefined) return Effect.succeed(before)
    return calendar.moveHold(didOf(record, party), ref, { start: record.start, end: record.end }).pipe(
      Effect.timeout(Duration.millis(PLACE_TIMEOUT_MS)),
      Effect.map((moved): PartyHold => ({ _tag: "placed", ref: moved })),
      Effect.catchAll((error) =>
        Effect.logError("could not move a rescheduled event back; it needs fixing by hand", {
          bookingId: record.bookingId,
          party,
          error: String(error)
        }).pipe(Effect.as(Either.isRight(result) ? result.right : before)))
    )
  }

  /** A failed move: events back, the meeting's record as the calendars now have it, the move key dropped. */
  const rollBackMove = (own: HoldRecord, target: HoldRecord, host: PartyResult<PartyHold>, guest: PartyResult<PartyHold>) =>
    Effect.gen(function*() {
      const [hostNow, guestNow] = yield* Effect.all([moveBack(own, "host", host), moveBack(own, "guest", guest)], { concurrency: 2 })
      const restored: HoldRecord = { ...own, host: hostNow, guest: guestNow }
      ledger.put(restored)
      ledger.remove(target.bookingId)
      yield* wake.refresh
      return restored
    })

  /**
   * A guest's proposal: the first time the move would take is reserved under the move key only long enough
   * to write it into the row as the proposal; no calendar changes, the meeting keeps its time.
   */
  const propose = (request: RescheduleRequest, query: SlotQuery, booked: HoldRecord) =>
    Effect.gen(function*() {
      const target = yield* planner.reserveNext(request, query, [], { reservedForMs: MOVE_RESERVED_MS, moving: booked })
      if (target === undefined) return yield* new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
      ledger.remove(target.bookingId)
      const written = yield* Effect.either(bookings.transition(booked.bookingId, request.expectedVersion, {
        ...request.patch,
        proposedStartAt: target.start,
        proposedEndAt: target.end
      }))
      if (Either.isRight(written)) return written.right
      return yield* written.left._tag === "RepositoryError"
        ? new HoldStoreError({ message: "could not record the proposal in D1", cause: written.left })
        : written.left
    })

  /** One reschedule; the caller holds the booking and its move key exclusively. */
  const runMove = (request: RescheduleRequest, booked: HoldRecord): Effect.Effect<Booking, RescheduleError | Backoff> =>
    Effect.gen(function*() {
      const found = yield* planner.searchFor(request, request.budgetMs ?? QUEUED_MATCH_BUDGET_MS)
      // Both calendars carry the meeting's own events: its current time is not busy for its new one.
      const query: SlotQuery = {
        ...found,
        hostBusy: subtractSpan(found.hostBusy, booked),
        guestBusy: subtractSpan(found.guestBusy, booked)
      }
      if (request.propose === true) return yield* propose(request, query, booked)
      /** The meeting's record as the calendars have it (a failed attempt may have changed its refs). */
      let own = booked
      const spanOf = (target: HoldRecord): Span => ({ start: target.start, end: target.end })
      return yield* runTwoParty<PartyHold, Booking, RescheduleError>(wake, {
        subject: "the meeting",
        // A crash after this: the alarm drops the move key (it has no calendar holds).
        reserve: (tried) => planner.reserveNext(request, query, tried, { reservedForMs: MOVE_RESERVED_MS, moving: own }),
        party: (target, party) => moveParty(own, party, spanOf(target)),
        commit: (target, host, guest) =>
          Effect.gen(function*() {
            const to = spanOf(target)
            const written = yield* Effect.either(
              bookings.transition(own.bookingId, request.expectedVersion, { ...request.patch, startAt: to.start, endAt: to.end })
            )
            if (Either.isRight(written)) {
              // One synchronous step: the meeting takes its new time, its old time is free, the move key goes.
              ledger.put({ ...own, start: to.start, end: to.end, host, guest, dueAt: to.end + BOOKED_RETENTION_MS })
              ledger.remove(target.bookingId)
              yield* wake.refresh
              return written.right
            }
            yield* rollBackMove(own, target, Either.right(host), Either.right(guest))
            const error = written.left
            return yield* error._tag === "RepositoryError"
              ? new HoldStoreError({ message: "could not record the new time in D1", cause: error })
              : error
          }),
        rollBack: (target, host, guest) =>
          Effect.map(rollBackMove(own, target, host, guest), (restored) => {
            own = restored
          }),
        mayTryAnother: () => true
      })
    })

  return (request) =>
    Effect.suspend((): Effect.Effect<Booking, RescheduleError> => {
      const id = request.bookingId
      const key = moveKeyOf(id)
      if (ledger.dayShards()) {
        return Effect.fail(
          new HoldStoreError({ message: "reschedule is not available for a host with day shards on (docs/architecture.md)", cause: null })
        )
      }
      // A move key with no move running was left by a crash: the alarm drops it shortly.
      if (locks.isHeld(id) || locks.isHeld(key) || ledger.get(key) !== undefined) return Effect.fail(locks.busy(id))
      const own = ledger.get(id)
      if (own === undefined || own.state !== "booked") return Effect.fail(new HoldNotFound({ bookingId: id }))
      if (own.hostDid !== request.hostDid || own.guestDid !== request.guestDid) {
        return Effect.fail(new HoldStoreError({ message: `booking ${id} belongs to other participants`, cause: null }))
      }
      return runMove(request, own).pipe(
        Effect.catchTag("Backoff", (backoff) =>
          Effect.fail(
            new CalendarUnavailable({
              party: backoff.party ?? "host",
              reason: "rate-limited",
              message: `${backoff.reason}; try the reschedule again shortly`
            })
          )),
        locks.exclusive(key),
        locks.exclusive(id)
      )
    })
}
