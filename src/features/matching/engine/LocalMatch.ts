import { Clock, Duration, Effect, Either } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { separationMs } from "../../../domain/holds/overlap"
import { DEFAULT_HOLD_TTL_MS, DEFAULT_LIVE_HOLDS_PER_GUEST, PLACE_TIMEOUT_MS } from "../../../domain/holds/policy"
import { windowOfDay } from "../../../domain/holds/shards"
import { MINUTE_MS } from "../../../domain/slots/civil"
import { type HoldRef, ProviderUnavailable } from "../../../services/CalendarProvider"
import { type CalendarParty, Held, NoSlotAvailable, type NewMatchError } from "../../../services/HoldStore"
import type { BookingsMirror } from "./BookingsMirror"
import type { EngineContext } from "./EngineContext"
import { type HoldRecord, type PartyHold, unknownHold, noHold } from "./HoldLedger"
import { didOf, holdRequestFor } from "./holdRecords"
import type { Markers } from "./Markers"
import type { Planner } from "./Planner"
import { Backoff, type PartyFailure } from "./providerFailures"
import type { Releases } from "./Releases"
import { type PartyResult, runTwoParty } from "./TwoPartyExecutor"

/**
 * A match in this object: the search, then the two-party executor placing tentative holds on both
 * calendars; held when both took it and D1 has the hold, rolled back otherwise. The caller holds the
 * booking exclusively. `inDay`: this object is the day shard of that UTC day and holds only slots starting
 * on it (registered in the neighbouring shards their footprint reaches).
 */
export type RunMatch = (request: MatchRequest, budgetMs: number, inDay?: number) => Effect.Effect<Held, NewMatchError | Backoff>

/** After a placement: the ref, or whether an event may exist (a timeout or a 5xx may have landed). */
const afterPlace = (result: PartyResult<HoldRef>): PartyHold =>
  Either.isRight(result)
    ? { _tag: "placed", ref: result.right }
    : result.left.error._tag === "ProviderUnavailable"
    ? unknownHold
    : noHold

export const makeLocalMatch = (
  context: EngineContext,
  parts: { readonly planner: Planner; readonly releases: Releases; readonly mirror: BookingsMirror; readonly markers: Markers }
): RunMatch => {
  const { calendar, config, ledger, wake } = context
  const { markers, mirror, planner, releases } = parts

  const place = (record: HoldRecord, party: CalendarParty): Effect.Effect<PartyResult<HoldRef>> =>
    calendar.placeHold(didOf(record, party), holdRequestFor(record, party)).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(PLACE_TIMEOUT_MS),
        onTimeout: () => new ProviderUnavailable({ provider: "timeout", cause: `no answer in ${PLACE_TIMEOUT_MS} ms` })
      }),
      Effect.mapError((error): PartyFailure => ({ party, error })),
      Effect.either
    )

  return (request, budgetMs, inDay) =>
    Effect.gen(function*() {
      let search: MatchRequest = request
      if (inDay !== undefined) {
        const window = windowOfDay(request.guest, inDay, request.guest.durationMax * MINUTE_MS)
        if (window === undefined) return yield* new NoSlotAvailable({ message: "no time of the window starts on this day" })
        search = { ...request, guest: { ...request.guest, ...window } }
      }
      // One guest, a few live holds on this host's time (issue 12, item 1): refused before any calendar is
      // asked, and again in the reservation's synchronous step (a match running meanwhile may have held).
      const maxLive = request.liveHoldsPerGuest ?? DEFAULT_LIVE_HOLDS_PER_GUEST
      const refused = planner.overLimit(request, maxLive, yield* Clock.currentTimeMillis)
      if (refused !== undefined) return yield* refused
      const query = yield* planner.searchFor(search, budgetMs)
      const ttl = request.holdTtlMs ?? config.defaultHoldTtlMs ?? DEFAULT_HOLD_TTL_MS
      const gap = separationMs(request.host)
      const terms = { reservedForMs: ttl + PLACE_TIMEOUT_MS, ...(inDay !== undefined ? { inDay } : {}) }
      return yield* runTwoParty<HoldRef, Held, NewMatchError | Backoff>(wake, {
        subject: "the hold",
        reserve: (tried) =>
          Effect.suspend((): Effect.Effect<HoldRecord | undefined, NewMatchError | Backoff> =>
            ledger.get(request.bookingId) !== undefined
              // An earlier attempt's release is still being retried under this booking id: later.
              ? Effect.fail(new Backoff({ retryAfterMs: 30_000, reason: "the booking's previous hold is still being released" }))
              : planner.reserveNextForGuest(search, query, tried, terms, maxLive)
          ),
        ...(inDay !== undefined
          ? {
            // A neighbouring shard has a hold too close to this time: not this time, and not a calendar attempt.
            admit: (record: HoldRecord) =>
              Effect.tap(markers.claimFootprint(record, gap, inDay), (accepted) =>
                Effect.sync(() => {
                  if (!accepted) ledger.remove(record.bookingId)
                }))
          }
          : {}),
        party: place,
        commit: (record, hostRef, guestRef) =>
          Effect.gen(function*() {
            const host: PartyHold = { _tag: "placed", ref: hostRef }
            const guest: PartyHold = { _tag: "placed", ref: guestRef }
            const expiresAt = (yield* Clock.currentTimeMillis) + ttl
            const mirrored = yield* Effect.either(mirror.mirrorHeld(request, record, expiresAt))
            if (Either.isLeft(mirrored)) {
              yield* releases.startRelease(record, host, guest)
              return yield* mirrored.left
            }
            ledger.put({ ...record, state: "held", dueAt: expiresAt, host, guest })
            yield* wake.refresh
            return new Held({ bookingId: record.bookingId, start: record.start, end: record.end, expiresAt })
          }),
        // Release what landed and drop the reservation.
        rollBack: (record, host, guest) => releases.startRelease(record, afterPlace(host), afterPlace(guest)),
        // A release still to retry keeps the booking id until it is done.
        mayTryAnother: (record) => ledger.get(record.bookingId) === undefined
      })
    })
}
