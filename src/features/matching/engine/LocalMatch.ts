import { Clock, Duration, Effect, Either } from "effect"
import type { MatchRequest } from "../../../domain/holds/matchRequest"
import { separationMs } from "../../../domain/holds/overlap"
import { DEFAULT_HOLD_TTL_MS, DEFAULT_LIVE_HOLDS_PER_GUEST, PLACE_TIMEOUT_MS } from "../../../domain/holds/policy"
import { windowOfDay } from "../../../domain/holds/shards"
import { hostWeekSpan } from "../../../domain/holds/weekClaims"
import type { Span } from "../../../domain/holds/overlap"
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
  const { calendar, config, ledger, shards, wake } = context
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
      // In a day shard, a weekly cap is counted by the host's object (WeekCaps.ts): a week it refused is not
      // searched again in this match.
      const weekly = inDay !== undefined ? request.host.maxBookingsPerWeek : undefined
      const closedWeeks: Array<Span> = []
      const dropWeek = (record: HoldRecord) =>
        weekly === undefined ? Effect.void : Effect.ignore(shards.dropWeekClaim(record.hostDid, record.bookingId))
      /** A place under the host's weekly cap, asked of the host's object; refused when it cannot be asked. */
      const claimWeek = (record: HoldRecord, day: number, max: number) =>
        shards.claimWeek({
          bookingId: record.bookingId,
          hostDid: record.hostDid,
          start: record.start,
          homeDay: day,
          dueAt: record.dueAt,
          hostTz: request.host.timeZone,
          max
        }).pipe(
          Effect.map((granted): "granted" | "full" | "unknown" => (granted ? "granted" : "full")),
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning("the host's object could not be asked for the weekly cap; the reservation is dropped", { error: String(error) }), "unknown" as const)
          )
        )
      return yield* runTwoParty<HoldRef, Held, NewMatchError | Backoff>(wake, {
        subject: "the hold",
        reserve: (tried) =>
          Effect.suspend((): Effect.Effect<HoldRecord | undefined, NewMatchError | Backoff> =>
            ledger.get(request.bookingId) !== undefined
              // An earlier attempt's release is still being retried under this booking id: later.
              ? Effect.fail(new Backoff({ retryAfterMs: 30_000, reason: "the booking's previous hold is still being released" }))
              : planner.reserveNextForGuest(search, query, closedWeeks.length > 0 ? [...tried, ...closedWeeks] : tried, terms, maxLive)
          ),
        ...(inDay !== undefined
          ? {
            // The week full (the host's weekly cap), or a neighbouring shard has a hold too close to this time:
            // not this time, and not a calendar attempt.
            admit: (record: HoldRecord) =>
              Effect.gen(function*() {
                if (weekly !== undefined) {
                  const week = yield* claimWeek(record, inDay, weekly)
                  if (week !== "granted") {
                    ledger.remove(record.bookingId)
                    if (week === "full") closedWeeks.push(hostWeekSpan(request.host.timeZone, record.start))
                    return false
                  }
                }
                const accepted = yield* markers.claimFootprint(record, gap, inDay)
                if (!accepted) {
                  ledger.remove(record.bookingId)
                  yield* dropWeek(record)
                }
                return accepted
              })
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
        rollBack: (record, host, guest) => Effect.zipRight(releases.startRelease(record, afterPlace(host), afterPlace(guest)), dropWeek(record)),
        // A release still to retry keeps the booking id until it is done.
        mayTryAnother: (record) => ledger.get(record.bookingId) === undefined
      })
    })
}
