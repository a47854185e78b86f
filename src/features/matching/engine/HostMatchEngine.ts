import { Clock, Data, Duration, Effect, Either, Option } from "effect"
import { MAX_HOLD_MS, separationMs, type Span, subtractSpan, withoutOne } from "../../../domain/holds/overlap"
import { dayOf, markerKey, markerOwner, shardDaysOf, startDays, windowOfDay } from "../../../domain/holds/shards"
import {
  BOOKED_RETENTION_MS,
  DAY_SHARDS_QUIET_MS,
  DEFAULT_HOLD_TTL_MS,
  DEFAULT_MATCH_BUDGET_MS,
  makeMatchToken,
  MATCH_RECORD_RETENTION_MS,
  MARKER_RECHECK_MS,
  MAX_PLACE_ATTEMPTS,
  MAX_RELEASE_ATTEMPTS,
  PENDING_MATCH_DEADLINE_MS,
  PLACE_TIMEOUT_MS,
  QUEUED_MATCH_BUDGET_MS,
  releaseRetryDelayMs,
  STORE_RETRY_MS
} from "../../../domain/holds/policy"
import { slotSearchFor } from "../../../domain/holds/slotSearch"
import { findSlots, type SlotQuery } from "../../../domain/slots"
import type { SlotInputInvalid } from "../../../domain/slots"
import { DAY_MS, MINUTE_MS } from "../../../domain/slots/civil"
import { type BookingNotFound, BookingsRepo, type BookingVersionConflict } from "../../../services/BookingsRepo"
import { type Booking } from "../../../domain/booking/booking"
import {
  CalendarProvider,
  type HoldGone,
  type HoldRef,
  type HoldRequest,
  type ProviderError,
  ProviderUnavailable
} from "../../../services/CalendarProvider"
import { type CalendarParty, CalendarUnavailable, DayShardsSwitchRefused, Held, HoldNotFound, HoldStoreError, type MarkerClaim, type MarkerLease, type MatchError, MatchNotFound, type MatchOutcome, type MatchStatus, NoSlotAvailable, NotParticipant, PendingMatch, type RescheduleError, type RescheduleRequest, ShardBackoff } from "../../../services/HoldStore"
import { type MatchRequest } from "../../../domain/holds/matchRequest"
import type { RepositoryError } from "../../../services/RepositoryError"
import { DayShards, HostWake, MatchTasks } from "./HostMatchPorts"
import { HoldLedger, type HoldRecord, isMarker, noHold, type PartyHold, tryReserve, unknownHold } from "./HoldLedger"

/**
 * The host's single writer: matching, atomic holds, expiry and releases, over a `HoldLedger` (the object's
 * storage), the `CalendarProvider`, D1 `bookings` (the mirror the API and the cron read) and the queue.
 * One engine per host object; `HostMatchDO` runs it in workerd, `HoldStore.Test` in memory.
 *
 * A match: validate → free/busy of host and guest IN PARALLEL (within the budget) → in ONE synchronous
 * step, candidates from the slot engine with the ledger's holds and bookings counted as busy, and the first
 * one reserved in the ledger → tentative holds on both calendars in parallel → D1 mirror → held. Any
 * failure after the reservation rolls back: the calendars that took the hold release it, the reservation
 * is dropped, and the next candidate is tried (when a calendar refused that time) or the match refuses.
 *
 * A reschedule moves a booked meeting in place through the same two steps: free/busy, then the same
 * synchronous reserve with the meeting's own time left out of the busy set (so it may move to an overlapping
 * time). The new time is reserved under the meeting's move key while both calendar events are moved; the
 * old time stays blocked until the D1 row has the new time, then the meeting's record takes the new time
 * and the move key is dropped. A failure moves the events back.
 */

/** Providers are rate-limited or slow: the match goes on through the queue. Internal only. */
class Backoff extends Data.TaggedError("Backoff")<{
  readonly retryAfterMs: number
  readonly reason: string
  readonly party?: CalendarParty
}> {}

interface PartyFailure {
  readonly party: CalendarParty
  readonly error: ProviderError
}

interface MoveFailure {
  readonly party: CalendarParty
  readonly error: ProviderError | HoldGone
}

export interface HostMatchEngineConfig {
  /** Names the object in pending-match tokens (the Durable Object id). */
  readonly objectKey: string
  /** Hold lifetime when a request gives none (`HOLD_TTL_MS`); default DEFAULT_HOLD_TTL_MS. */
  readonly defaultHoldTtlMs?: number
}

const DEFAULT_SUMMARY = "Overlap: tentative hold"
const DUE_BATCH = 100
const IN_FLIGHT_RECHECK_MS = 5_000
/** Times a day shard tries when the other shards of a hold's footprint refuse it, before it gives up. */
const MAX_CLAIM_REFUSALS = 8
/** Shard days older than this many days before today cannot hold anything blocking any more. */
const SHARD_DAYS_LOOKBACK = 4
/** How long a move key blocks the new time if nothing finishes the move (both moves, D1, a move back). */
const MOVE_RESERVED_MS = 3 * PLACE_TIMEOUT_MS + STORE_RETRY_MS

const whose = (party: CalendarParty) => (party === "host" ? "the host's calendar" : "the guest's calendar")

/** What a provider failure means for the match. */
const classify = ({ error, party }: PartyFailure): Backoff | CalendarUnavailable => {
  switch (error._tag) {
    case "ProviderRateLimited":
      return new Backoff({ retryAfterMs: error.retryAfterMs, reason: `${whose(party)} is rate-limited`, party })
    case "ProviderUnavailable":
      return new CalendarUnavailable({ party, reason: "unavailable", message: `${whose(party)} cannot be reached right now` })
    case "ConnectorBroken":
      return new CalendarUnavailable({ party, reason: "broken", message: `${whose(party)} needs to be reconnected` })
    case "ProviderRejected":
      return new CalendarUnavailable({ party, reason: "rejected", message: `${whose(party)} refused the hold` })
  }
}

const retryAfterSec = (ms: number) => Math.max(1, Math.min(600, Math.ceil(ms / 1_000)))

/**
 * The ledger key of a meeting's new time while it is being moved (booking ids never contain `#`). The record
 * has no calendar holds of its own (`none`), so if a crash leaves it behind, the alarm just drops it.
 */
export const moveKeyOf = (bookingId: string) => `${bookingId}#move`

/** What the slot search needs of a match or a reschedule. */
type SearchInput = Pick<MatchRequest, "hostDid" | "guestDid" | "offers" | "guest" | "host" | "now">
/** What a reservation needs to name its record. */
type ReserveInput = Pick<MatchRequest, "bookingId" | "hostDid" | "guestDid" | "guest" | "host" | "summary">

export const makeHostMatchEngine = (config: HostMatchEngineConfig) =>
  Effect.gen(function*() {
    const calendar = yield* CalendarProvider
    const bookings = yield* BookingsRepo
    const ledger = yield* HoldLedger
    const tasks = yield* MatchTasks
    const wake = yield* HostWake
    const shards = yield* DayShards

    /** Booking ids with a match, confirm or release running in this instance: nothing else touches them. */
    const inFlight = new Set<string>()
    const busyError = (bookingId: string) =>
      new HoldStoreError({ message: `booking ${bookingId} has an operation in progress; retry`, cause: null })
    /** Runs `self` holding the booking; fails at once (checked and taken in one step) if it is held already. */
    const exclusive = (bookingId: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        Effect.suspend(() => inFlight.has(bookingId) ? Effect.fail(busyError(bookingId)) : Effect.sync(() => void inFlight.add(bookingId))),
        () => self,
        () => Effect.sync(() => inFlight.delete(bookingId))
      )

    const holdRequestFor = (record: HoldRecord, party: CalendarParty): HoldRequest => ({
      bookingId: record.bookingId,
      start: record.start,
      end: record.end,
      tz: party === "host" ? record.hostTz : record.guestTz,
      summary: record.summary
    })
    const didOf = (record: HoldRecord, party: CalendarParty) => (party === "host" ? record.hostDid : record.guestDid)

    // ------------------------------------------------------------ releases

    /** Releases one calendar's hold; answers what is left there (none on success, unchanged on failure). */
    const releaseParty = (record: HoldRecord, party: CalendarParty, hold: PartyHold): Effect.Effect<PartyHold> => {
      const did = didOf(record, party)
      const failed = (error: unknown) =>
        Effect.logWarning("hold release failed; will retry", { bookingId: record.bookingId, party, error: String(error) }).pipe(
          Effect.as(hold)
        )
      switch (hold._tag) {
        case "none":
          return Effect.succeed(noHold)
        case "placed":
          return calendar.releaseHold(did, hold.ref).pipe(Effect.as(noHold), Effect.catchAll(failed))
        case "unknown":
          // The placement's outcome is unknown (timeout, crash): placing is idempotent per booking, so placing
          // again yields the event if it exists, which is then released. A refusal means nothing is there.
          return calendar.placeHold(did, holdRequestFor(record, party)).pipe(
            Effect.timeout(Duration.millis(PLACE_TIMEOUT_MS)),
            Effect.flatMap((ref) => calendar.releaseHold(did, ref)),
            Effect.as(noHold),
            Effect.catchTag("ProviderRejected", () => Effect.succeed(noHold)),
            Effect.catchAll(failed)
          )
      }
    }

    /** Releases what a `releasing` record still has on the calendars; drops it when nothing is left. */
    const releaseCalendars = (record: HoldRecord): Effect.Effect<void> =>
      Effect.gen(function*() {
        const [host, guest] = yield* Effect.all([
          releaseParty(record, "host", record.host),
          releaseParty(record, "guest", record.guest)
        ], { concurrency: 2 })
        const now = yield* Clock.currentTimeMillis
        const current = ledger.get(record.bookingId)
        if (current === undefined || current.state !== "releasing") return
        if (host._tag === "none" && guest._tag === "none") {
          ledger.remove(record.bookingId)
        } else if (current.attempts + 1 >= MAX_RELEASE_ATTEMPTS) {
          yield* Effect.logError("giving up releasing a hold; its tentative events need removing by hand", {
            bookingId: record.bookingId,
            host: host._tag,
            guest: guest._tag
          })
          ledger.remove(record.bookingId)
        } else {
          const attempts = current.attempts + 1
          ledger.put({ ...current, host, guest, attempts, dueAt: now + releaseRetryDelayMs(attempts) })
        }
        yield* wake.refresh
      })

    /**
     * Frees the time now (the record stops blocking), releases the calendars and drops the hold's markers in
     * other day shards (a marker that cannot be dropped now goes when it next comes due: its home says gone).
     */
    const startRelease = (record: HoldRecord, host = record.host, guest = record.guest) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const releasing: HoldRecord = { ...record, state: "releasing", host, guest, attempts: 0, dueAt: now }
        ledger.put(releasing)
        const marks = ledger.takeMarks(record.bookingId)
        yield* Effect.all([
          releaseCalendars(releasing),
          Effect.forEach(marks, (day) => {
            const owner = markerKey(record.bookingId, dayOf(record.start))
            return Effect.ignore(shards.drop(record.hostDid, day, owner))
          }, { discard: true })
        ], { concurrency: 2, discard: true })
      })

    // ------------------------------------------------------------ D1 mirror

    const mirrorHeld = (request: MatchRequest, record: HoldRecord, expiresAt: number) => {
      const id = record.bookingId
      const held = { status: "held" as const, startAt: record.start, endAt: record.end, holdExpiresAt: expiresAt }
      const refuse = (message: string) => Effect.fail(new HoldStoreError({ message, cause: null }))
      return bookings.create({
        id,
        hostDid: request.hostDid,
        guestDid: request.guestDid,
        requestUri: request.requestUri ?? null,
        offerUri: request.offerUri ?? null,
        tz: request.guest.timeZone,
        sequence: 0,
        icsR2Key: null,
        ...held
      }).pipe(
        Effect.asVoid,
        // The API may have created the booking (pending) before matching; a retried match meets its own row.
        Effect.catchTag("BookingAlreadyExists", () =>
          Effect.flatMap(bookings.get(id), (existing): Effect.Effect<void, HoldStoreError | RepositoryError | BookingNotFound | BookingVersionConflict> =>
            existing.hostDid !== request.hostDid || existing.guestDid !== request.guestDid
              ? refuse(`booking ${id} belongs to other participants`)
              : existing.status === "pending"
              ? Effect.asVoid(bookings.transition(id, existing.version, held))
              : existing.status === "held" && existing.startAt === record.start && existing.endAt === record.end
              ? Effect.void
              : refuse(`booking ${id} is already ${existing.status}`))),
        Effect.mapError((error) =>
          error._tag === "HoldStoreError" ? error : new HoldStoreError({ message: "could not record the hold in D1", cause: error })
        )
      )
    }

    /**
     * Makes D1 say `expired` for a hold whose time is up (compare-and-set, so a concurrent finalize wins or
     * loses cleanly). "booked": the booking was confirmed meanwhile; "retry": D1 failed.
     */
    const settleExpiredInD1 = (bookingId: string): Effect.Effect<"release" | "booked" | "retry"> =>
      Effect.gen(function*() {
        for (let attempt = 0; attempt < 3; attempt++) {
          const booking = yield* bookings.get(bookingId).pipe(
            Effect.map((b) => b as typeof b | undefined),
            Effect.catchTag("BookingNotFound", () => Effect.succeed(undefined))
          )
          if (booking === undefined) return "release"
          if (booking.status === "confirmed") return "booked"
          if (booking.status !== "held") return "release"
          const moved = yield* bookings.transition(bookingId, booking.version, { status: "expired" }).pipe(
            Effect.as(true),
            Effect.catchTag("BookingVersionConflict", () => Effect.succeed(false))
          )
          if (moved) return "release"
        }
        return "retry"
      }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("could not mark an expired hold in D1; will retry", { bookingId, error: String(error) }).pipe(
            Effect.as("retry" as const)
          )
        )
      )

    /** A held (or stale reserved) record whose time is up, as the ledger has it now: D1 first, then the calendars. */
    const expireRecord = (bookingId: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const before = ledger.get(bookingId)
        if (before === undefined || (before.state !== "held" && before.state !== "reserved") || before.dueAt > now) return
        const outcome = yield* settleExpiredInD1(bookingId)
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
            return yield* startRelease(current)
        }
      })

    // ------------------------------------------------------------ matching

    /**
     * The critical section: candidates against the ledger as it is NOW, first one reserved. Synchronous.
     * `moving`: a booked meeting being rescheduled — its own time is not counted, and the new time is
     * reserved under its move key with no calendar holds (the meeting's events are moved, not placed).
     */
    const reserve = (
      request: ReserveInput,
      query: SlotQuery,
      tried: ReadonlyArray<Span>,
      createdAt: number,
      reservedUntil: number,
      moving?: HoldRecord,
      inDay?: number
    ) =>
      Effect.sync((): Either.Either<HoldRecord | undefined, SlotInputInvalid | HoldStoreError> => {
        // The host's object holds nothing of its own while its day shards are on (checked in the same step as
        // the insert, so a switch turned on while this match waited for free/busy cannot be slipped past).
        if (inDay === undefined && ledger.dayShards()) {
          return Either.left(new HoldStoreError({ message: "the host's day shards were turned on; retry", cause: null }))
        }
        const around = { from: query.guest.earliest - DAY_MS, until: query.guest.latest + DAY_MS }
        const commitments = ledger.commitmentsBetween(around.from, around.until)
        const holds = moving === undefined ? commitments.holds : withoutOne(commitments.holds, moving)
        const booked = moving === undefined ? commitments.bookings : withoutOne(commitments.bookings, moving)
        const slots = findSlots({ ...query, guestBusy: [...query.guestBusy, ...tried], holds, bookings: booked })
        if (Either.isLeft(slots)) return Either.left(slots.left)
        const gap = separationMs(request.host)
        for (const slot of slots.right) {
          if (slot.end - slot.start > MAX_HOLD_MS) continue
          if (inDay !== undefined && dayOf(slot.start) !== inDay) continue // another day's shard holds it
          const record: HoldRecord = {
            bookingId: moving === undefined ? request.bookingId : moveKeyOf(moving.bookingId),
            hostDid: request.hostDid,
            guestDid: request.guestDid,
            start: slot.start,
            end: slot.end,
            state: "reserved",
            dueAt: reservedUntil,
            host: moving === undefined ? unknownHold : noHold,
            guest: moving === undefined ? unknownHold : noHold,
            attempts: 0,
            hostTz: moving?.hostTz ?? request.host.timeZone,
            guestTz: moving?.guestTz ?? request.guest.timeZone,
            summary: moving?.summary ?? request.summary ?? DEFAULT_SUMMARY,
            createdAt
          }
          // The slot engine already counted every commitment; the ledger re-checks before it inserts.
          if (tryReserve(ledger, record, gap, moving?.bookingId)) return Either.right(record)
        }
        return Either.right(undefined)
      })

    const place = (record: HoldRecord, party: CalendarParty) =>
      calendar.placeHold(didOf(record, party), holdRequestFor(record, party)).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(PLACE_TIMEOUT_MS),
          onTimeout: () => new ProviderUnavailable({ provider: "timeout", cause: `no answer in ${PLACE_TIMEOUT_MS} ms` })
        }),
        Effect.either
      )

    /** After a placement: the ref, or whether an event may exist (a timeout or a 5xx may have landed). */
    const afterPlace = (result: Either.Either<HoldRef, ProviderError>): PartyHold =>
      Either.isRight(result)
        ? { _tag: "placed", ref: result.right }
        : result.left._tag === "ProviderUnavailable"
        ? unknownHold
        : noHold

    /**
     * Validates the query (no provider call for bad input), then both calendars' busy time in parallel within
     * `budgetMs`: the slot query, ready for `reserve`.
     */
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
          Effect.mapError(classify),
          Effect.timeoutFail({
            duration: Duration.millis(budgetMs),
            onTimeout: () => new Backoff({ retryAfterMs: 1_000, reason: "free/busy slower than the budget" })
          })
        )
        return { ...query, hostBusy, guestBusy }
      })

    /**
     * Registers a hold reserved here (its home shard `home`) in the other day shards its buffered footprint
     * touches, in ascending day order, without waiting. Any refusal (or failure) rolls back the shards already
     * taken: false, and the caller drops its reservation.
     */
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

    /**
     * One full match attempt sequence; the caller holds the booking exclusively. `inDay`: this object is the
     * day shard of that UTC day and holds only slots starting on it (registered in the neighbouring shards
     * their footprint reaches).
     */
    const runMatch = (request: MatchRequest, budgetMs: number, inDay?: number): Effect.Effect<Held, MatchError | Backoff> =>
      Effect.gen(function*() {
        let search: MatchRequest = request
        if (inDay !== undefined) {
          const window = windowOfDay(request.guest, inDay, request.guest.durationMax * MINUTE_MS)
          if (window === undefined) return yield* new NoSlotAvailable({ message: "no time of the window starts on this day" })
          search = { ...request, guest: { ...request.guest, ...window } }
        }
        const query = yield* searchFor(search, budgetMs)
        const ttl = request.holdTtlMs ?? config.defaultHoldTtlMs ?? DEFAULT_HOLD_TTL_MS
        const gap = separationMs(request.host)
        const tried: Array<Span> = []
        let refusal: CalendarUnavailable | undefined
        let claimRefusals = 0
        for (let attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt++) {
          if (ledger.get(request.bookingId) !== undefined) {
            // An earlier attempt's release is still being retried under this booking id: later.
            return yield* new Backoff({ retryAfterMs: 30_000, reason: "the booking's previous hold is still being released" })
          }
          const clock = yield* Clock.currentTimeMillis
          const reserved = yield* reserve(search, query, tried, clock, clock + ttl + PLACE_TIMEOUT_MS, undefined, inDay)
          if (Either.isLeft(reserved)) return yield* reserved.left
          const record = reserved.right
          if (record === undefined) break
          if (inDay !== undefined && !(yield* claimFootprint(record, gap, inDay))) {
            // A neighbouring shard has a hold too close to this time: not this time, and not a calendar attempt.
            ledger.remove(record.bookingId)
            tried.push({ start: record.start, end: record.end })
            if (++claimRefusals >= MAX_CLAIM_REFUSALS) break
            attempt--
            continue
          }
          yield* wake.refresh // a crash from here on is cleaned up by the alarm

          const [hostResult, guestResult] = yield* Effect.all([place(record, "host"), place(record, "guest")], {
            concurrency: 2
          })
          if (Either.isRight(hostResult) && Either.isRight(guestResult)) {
            const expiresAt = (yield* Clock.currentTimeMillis) + ttl
            const mirrored = yield* Effect.either(mirrorHeld(request, record, expiresAt))
            if (Either.isRight(mirrored)) {
              ledger.put({
                ...record,
                state: "held",
                dueAt: expiresAt,
                host: afterPlace(hostResult),
                guest: afterPlace(guestResult)
              })
              yield* wake.refresh
              return new Held({ bookingId: record.bookingId, start: record.start, end: record.end, expiresAt })
            }
            yield* startRelease(record, afterPlace(hostResult), afterPlace(guestResult))
            return yield* mirrored.left
          }

          // Roll back: release what landed, drop the reservation, then decide.
          yield* startRelease(record, afterPlace(hostResult), afterPlace(guestResult))
          const failure: PartyFailure = Either.isLeft(hostResult)
            ? { party: "host", error: hostResult.left }
            : { party: "guest", error: (guestResult as Either.Left<ProviderError, HoldRef>).left }
          const meaning = classify(failure)
          if (meaning._tag === "Backoff") return yield* meaning
          refusal = meaning
          // Another time is worth a try only when a calendar refused this one and the rollback is complete
          // (a release still to retry keeps the booking id until it is done).
          if (meaning.reason !== "rejected" || ledger.get(record.bookingId) !== undefined) return yield* meaning
          tried.push({ start: record.start, end: record.end })
        }
        return yield* refusal ?? new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
      })

    const heldOf = (record: HoldRecord) =>
      new Held({ bookingId: record.bookingId, start: record.start, end: record.end, expiresAt: record.dueAt })

    // ------------------------------------------------------------ day shards

    /** Matches this object (the host's, with its day shards on) has sent to a shard and not had back. */
    let forwardsInFlight = 0
    /** Counts every match sent to a shard: the off switch checks that none was sent while it asked the shards. */
    let forwardSeq = 0

    /**
     * The host's object with its day shards on: the match goes to the shards of the days a slot may start on,
     * earliest first (the slot engine's ranking), until one holds it; a day with no room answers
     * NoSlotAvailable and the next day is asked. Bad input is refused here, before any shard is asked. A
     * booking held before goes to its home shard first (a retry meets its hold there).
     */
    const routeToShards = (request: MatchRequest, budgetMs: number): Effect.Effect<Held, MatchError | Backoff> =>
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
              return yield* new Backoff({
                retryAfterMs: error.retryAfterMs,
                reason: error.reason,
                ...(error.party !== undefined ? { party: error.party } : {})
              })
            default:
              return yield* error
          }
        }
        return yield* new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
      })

    /** A match here: in this object, or (the host's day shards on) in the day shards. */
    const searchAndHold = (request: MatchRequest, budgetMs: number): Effect.Effect<Held, MatchError | Backoff> =>
      Effect.suspend(() => (ledger.dayShards() ? routeToShards(request, budgetMs) : runMatch(request, budgetMs)))

    /** A day shard's part of a match (called by the host's object): slots starting on `day` only. */
    const matchInDay = (request: MatchRequest, day: number): Effect.Effect<Held, MatchError | ShardBackoff> =>
      Effect.suspend((): Effect.Effect<Held, MatchError | ShardBackoff> => {
        const id = request.bookingId
        if (inFlight.has(id)) return Effect.fail(busyError(id))
        const existing = ledger.get(id)
        if (existing !== undefined) {
          if (existing.guestDid !== request.guestDid || existing.hostDid !== request.hostDid) {
            return Effect.fail(new HoldStoreError({ message: `booking ${id} belongs to another match`, cause: null }))
          }
          if (existing.state === "held" || existing.state === "booked") return Effect.succeed(heldOf(existing))
          return Effect.fail(busyError(id))
        }
        return runMatch(request, request.budgetMs ?? DEFAULT_MATCH_BUDGET_MS, day).pipe(
          Effect.catchTag("Backoff", (backoff) =>
            Effect.fail(
              new ShardBackoff({
                retryAfterMs: backoff.retryAfterMs,
                reason: backoff.reason,
                ...(backoff.party !== undefined ? { party: backoff.party } : {})
              })
            )),
          Effect.zipLeft(wake.refresh),
          exclusive(id)
        )
      })

    /**
     * Another shard's hold registered here (a marker with its real span): accepted unless it clashes with a
     * blocking commitment here, checked and inserted in one step. A claim again under the same key (its home
     * retried with another time) replaces the old marker.
     */
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

    /** Whether a hold homed here still blocks, for a marker of it in another shard. */
    const markerLease = (bookingId: string): Effect.Effect<MarkerLease> =>
      Effect.sync((): MarkerLease => {
        const record = ledger.get(bookingId)
        return record === undefined || record.state === "releasing"
          ? { _tag: "gone" }
          : { _tag: "blocking", start: record.start, end: record.end, state: record.state, dueAt: record.dueAt }
      })

    /**
     * A marker came due: its home says whether the hold still blocks. Blocking with the same span: the marker
     * follows it (state and due time); gone, released or moved: the marker goes. Home unreachable: it stays.
     */
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

    /** The host's `dayShards` switch (this object must be the host's own, `idFromName(hostDid)`). */
    const setDayShards = (hostDid: string, on: boolean): Effect.Effect<void, DayShardsSwitchRefused | HoldStoreError> =>
      Effect.gen(function*() {
        if (on === ledger.dayShards()) return
        const refuse = (message: string) => new DayShardsSwitchRefused({ message })
        if (on) {
          // One synchronous step: no reservation can be made here after it (`reserve` checks the switch).
          if (inFlight.size > 0 || ledger.ownBlockingCount() > 0) {
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

    const startPending = (request: MatchRequest, backoff: Backoff) =>
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

    const match = (request: MatchRequest): Effect.Effect<MatchOutcome, MatchError> =>
      Effect.suspend((): Effect.Effect<MatchOutcome, MatchError> => {
        const id = request.bookingId
        if (inFlight.has(id)) return Effect.fail(busyError(id))
        const existing = ledger.get(id)
        if (existing !== undefined) {
          if (existing.guestDid !== request.guestDid || existing.hostDid !== request.hostDid) {
            return Effect.fail(new HoldStoreError({ message: `booking ${id} belongs to another match`, cause: null }))
          }
          if (existing.state === "held" || existing.state === "booked") return Effect.succeed(heldOf(existing))
          return Effect.fail(busyError(id))
        }
        const pending = ledger.matchForBooking(id)
        if (pending !== undefined) {
          if (pending.status._tag === "pending") {
            return Effect.succeed(new PendingMatch({ token: pending.token, retryAfterSec: pending.status.retryAfterSec }))
          }
          if (pending.status._tag === "held") return Effect.succeed(pending.status.hold)
          ledger.removeMatch(pending.token) // it failed before: this is a new attempt
        }
        return searchAndHold(request, request.budgetMs ?? DEFAULT_MATCH_BUDGET_MS).pipe(
          Effect.catchTag("Backoff", (backoff) => startPending(request, backoff)),
          exclusive(id)
        )
      })

    const resumeMatch = (token: string): Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError> =>
      Effect.suspend((): Effect.Effect<MatchStatus, MatchNotFound | HoldStoreError> => {
        const record = ledger.getMatch(token)
        if (record === undefined) return Effect.fail(new MatchNotFound({ token }))
        if (record.status._tag !== "pending" || inFlight.has(record.bookingId)) return Effect.succeed(record.status)
        return Effect.gen(function*() {
          const result = yield* Effect.either(searchAndHold(record.request, QUEUED_MATCH_BUDGET_MS))
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
          }
        }).pipe(Effect.zipLeft(wake.refresh), exclusive(record.bookingId))
      })

    const getMatchStatus = (token: string, callerDid: string): Effect.Effect<MatchStatus, MatchNotFound | NotParticipant> =>
      Effect.suspend((): Effect.Effect<MatchStatus, MatchNotFound | NotParticipant> => {
        const record = ledger.getMatch(token)
        if (record === undefined) return Effect.fail(new MatchNotFound({ token }))
        if (callerDid !== record.guestDid && callerDid !== record.request.hostDid) return Effect.fail(new NotParticipant({ token }))
        return Effect.succeed(record.status)
      })

    // ------------------------------------------------------------ after the match

    const confirm = (bookingId: string): Effect.Effect<void, HoldNotFound | CalendarUnavailable | HoldStoreError> =>
      Effect.suspend((): Effect.Effect<void, HoldNotFound | CalendarUnavailable | HoldStoreError> => {
        if (inFlight.has(bookingId)) return Effect.fail(busyError(bookingId))
        const record = ledger.get(bookingId)
        const home = record === undefined ? ledger.homeOf(bookingId) : undefined
        if (home !== undefined) return shards.confirm(home.hostDid, home.day, bookingId)
        if (record === undefined || record.state === "releasing" || record.state === "reserved" || isMarker(bookingId)) {
          return Effect.fail(new HoldNotFound({ bookingId }))
        }
        // Booked first: from here on the alarm will not expire it, whatever the calendars answer.
        ledger.put({ ...record, state: "booked", dueAt: record.end + BOOKED_RETENTION_MS })
        const confirmParty = (party: CalendarParty, hold: PartyHold) =>
          hold._tag !== "placed"
            ? Effect.succeed(hold)
            : calendar.confirmHold(didOf(record, party), hold.ref).pipe(
              Effect.map((ref): PartyHold => ({ _tag: "placed", ref })),
              Effect.mapError((error) =>
                error._tag === "HoldGone"
                  ? new CalendarUnavailable({ party, reason: "gone", message: `${whose(party)} no longer has the hold` })
                  : classify({ party, error }) as CalendarUnavailable | Backoff
              ),
              Effect.catchTag("Backoff", (b) =>
                Effect.fail(new CalendarUnavailable({ party, reason: "rate-limited", message: b.reason })))
            )
        return Effect.gen(function*() {
          yield* wake.refresh
          const [host, guest] = yield* Effect.all([confirmParty("host", record.host), confirmParty("guest", record.guest)], {
            concurrency: 2,
            mode: "either"
          })
          const current = ledger.get(bookingId)
          if (current !== undefined && current.state === "booked") {
            ledger.put({
              ...current,
              host: Either.getOrElse(host, () => current.host),
              guest: Either.getOrElse(guest, () => current.guest)
            })
          }
          if (Either.isLeft(host)) return yield* host.left
          if (Either.isLeft(guest)) return yield* guest.left
        }).pipe(exclusive(bookingId))
      })

    const release = (bookingId: string): Effect.Effect<void, HoldStoreError> =>
      Effect.suspend((): Effect.Effect<void, HoldStoreError> => {
        if (inFlight.has(bookingId)) return Effect.fail(busyError(bookingId))
        const record = ledger.get(bookingId)
        if (record === undefined) {
          const home = ledger.homeOf(bookingId)
          return home === undefined ? Effect.void : shards.release(home.hostDid, home.day, bookingId)
        }
        if (isMarker(bookingId)) return Effect.void
        return (record.state === "releasing" ? releaseCalendars(record) : startRelease(record)).pipe(exclusive(bookingId))
      })

    // ------------------------------------------------------------ reschedule

    /** Moves one calendar's event of a booked meeting; a calendar whose event this object never learned is left. */
    const moveParty = (record: HoldRecord, party: CalendarParty, to: Span): Effect.Effect<Either.Either<PartyHold, MoveFailure>> => {
      const hold = party === "host" ? record.host : record.guest
      if (hold._tag !== "placed") return Effect.succeed(Either.right(hold))
      return calendar.moveHold(didOf(record, party), hold.ref, to).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(PLACE_TIMEOUT_MS),
          onTimeout: () => new ProviderUnavailable({ provider: "timeout", cause: `no answer in ${PLACE_TIMEOUT_MS} ms` })
        }),
        Effect.map((ref): PartyHold => ({ _tag: "placed", ref })),
        Effect.mapError((error): MoveFailure => ({ party, error })),
        Effect.either
      )
    }

    /**
     * Puts one calendar's event back at the meeting's current time after a failed move: the one that moved
     * (with its new ref), or the one whose outcome is unknown (a timeout or a 5xx: moving it back is harmless
     * if it never moved). Answers what the ledger should keep for that calendar.
     */
    const moveBack = (record: HoldRecord, party: CalendarParty, result: Either.Either<PartyHold, MoveFailure>): Effect.Effect<PartyHold> => {
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
    const rollBackMove = (
      own: HoldRecord,
      target: HoldRecord,
      host: Either.Either<PartyHold, MoveFailure>,
      guest: Either.Either<PartyHold, MoveFailure>
    ) =>
      Effect.gen(function*() {
        const [hostNow, guestNow] = yield* Effect.all([moveBack(own, "host", host), moveBack(own, "guest", guest)], { concurrency: 2 })
        const restored: HoldRecord = { ...own, host: hostNow, guest: guestNow }
        ledger.put(restored)
        ledger.remove(target.bookingId)
        yield* wake.refresh
        return restored
      })

    /** One reschedule; the caller holds the booking and its move key exclusively. */
    const runMove = (request: RescheduleRequest, booked: HoldRecord): Effect.Effect<Booking, RescheduleError | Backoff> =>
      Effect.gen(function*() {
        const found = yield* searchFor(request, request.budgetMs ?? QUEUED_MATCH_BUDGET_MS)
        // Both calendars carry the meeting's own events: its current time is not busy for its new one.
        const query: SlotQuery = {
          ...found,
          hostBusy: subtractSpan(found.hostBusy, booked),
          guestBusy: subtractSpan(found.guestBusy, booked)
        }
        let own = booked
        const tried: Array<Span> = []
        let refusal: CalendarUnavailable | undefined
        for (let attempt = 0; attempt < MAX_PLACE_ATTEMPTS; attempt++) {
          const clock = yield* Clock.currentTimeMillis
          const reserved = yield* reserve(request, query, tried, clock, clock + MOVE_RESERVED_MS, own)
          if (Either.isLeft(reserved)) return yield* reserved.left
          const target = reserved.right
          if (target === undefined) break
          yield* wake.refresh // a crash from here on: the alarm drops the move key (it has no calendar holds)

          const to: Span = { start: target.start, end: target.end }
          const [host, guest] = yield* Effect.all([moveParty(own, "host", to), moveParty(own, "guest", to)], { concurrency: 2 })
          if (Either.isRight(host) && Either.isRight(guest)) {
            const written = yield* Effect.either(
              bookings.transition(own.bookingId, request.expectedVersion, { ...request.patch, startAt: to.start, endAt: to.end })
            )
            if (Either.isRight(written)) {
              // One synchronous step: the meeting takes its new time, its old time is free, the move key goes.
              ledger.put({ ...own, start: to.start, end: to.end, host: host.right, guest: guest.right, dueAt: to.end + BOOKED_RETENTION_MS })
              ledger.remove(target.bookingId)
              yield* wake.refresh
              return written.right
            }
            yield* rollBackMove(own, target, host, guest)
            const error = written.left
            return yield* error._tag === "RepositoryError"
              ? new HoldStoreError({ message: "could not record the new time in D1", cause: error })
              : error
          }

          own = yield* rollBackMove(own, target, host, guest)
          const failure = Either.isLeft(host) ? host.left : (guest as Either.Left<MoveFailure, PartyHold>).left
          if (failure.error._tag === "HoldGone") {
            return yield* new CalendarUnavailable({
              party: failure.party,
              reason: "gone",
              message: `${whose(failure.party)} no longer has the meeting`
            })
          }
          const meaning = classify({ party: failure.party, error: failure.error })
          if (meaning._tag === "Backoff") return yield* meaning
          refusal = meaning
          // Another time is worth a try only when a calendar refused this one.
          if (meaning.reason !== "rejected") return yield* meaning
          tried.push(to)
        }
        return yield* refusal ?? new NoSlotAvailable({ message: "no time fits both calendars within the constraints" })
      })

    const reschedule = (request: RescheduleRequest): Effect.Effect<Booking, RescheduleError> =>
      Effect.suspend((): Effect.Effect<Booking, RescheduleError> => {
        const id = request.bookingId
        const key = moveKeyOf(id)
        if (ledger.dayShards()) {
          return Effect.fail(
            new HoldStoreError({ message: "reschedule is not available for a host with day shards on (docs/architecture.md)", cause: null })
          )
        }
        // A move key with no move running was left by a crash: the alarm drops it shortly.
        if (inFlight.has(id) || inFlight.has(key) || ledger.get(key) !== undefined) return Effect.fail(busyError(id))
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
          exclusive(key),
          exclusive(id)
        )
      })

    const expire = (bookingId: string): Effect.Effect<void, HoldStoreError> =>
      Effect.gen(function*() {
        if (inFlight.has(bookingId)) return
        const now = yield* Clock.currentTimeMillis
        const record = ledger.get(bookingId)
        const home = record === undefined ? ledger.homeOf(bookingId) : undefined
        if (home !== undefined) return yield* shards.expire(home.hostDid, home.day, bookingId)
        if (isMarker(bookingId)) return
        if (record === undefined) {
          // Unknown here (released already, or never mirrored correctly): only D1 may still say held.
          const booking = yield* Effect.option(bookings.get(bookingId))
          if (Option.isSome(booking) && booking.value.status === "held" && (booking.value.holdExpiresAt ?? 0) <= now) {
            yield* settleExpiredInD1(bookingId)
          }
          return
        }
        if ((record.state === "held" || record.state === "reserved") && record.dueAt <= now) {
          return yield* expireRecord(bookingId).pipe(exclusive(bookingId))
        }
        if (record.state === "releasing") return yield* releaseCalendars(record).pipe(exclusive(bookingId))
      })

    /** The alarm: everything due — expiries, release retries, stale matches, forgetting old records. */
    const wakeUp: Effect.Effect<void> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const due = ledger.dueHolds(now, DUE_BATCH).map((r) => r.bookingId)
      yield* Effect.forEach(due, (bookingId) =>
        Effect.suspend((): Effect.Effect<void, HoldStoreError> => {
          // Read again: an earlier item of this batch, or a call meanwhile, may have changed it.
          const record = ledger.get(bookingId)
          if (record === undefined || record.dueAt > now) return Effect.void
          if (isMarker(bookingId)) return renewMarker(record)
          if (inFlight.has(bookingId)) {
            // Its own operation decides; look again shortly rather than spinning on a due time in the past.
            return Effect.sync(() => ledger.put({ ...record, dueAt: now + IN_FLIGHT_RECHECK_MS }))
          }
          switch (record.state) {
            case "reserved":
            case "held":
              return expireRecord(bookingId).pipe(exclusive(bookingId))
            case "releasing":
              return releaseCalendars(record).pipe(exclusive(bookingId))
            case "booked":
              return Effect.sync(() => ledger.remove(bookingId))
          }
        }).pipe(Effect.catchTag("HoldStoreError", () => Effect.void)), { concurrency: 8, discard: true })
      for (const record of ledger.dueMatches(now, DUE_BATCH)) {
        const pending = record.status._tag === "pending"
        if (pending && inFlight.has(record.bookingId)) {
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
      ledger.forgetHomes(now)
      yield* wake.refresh
    })

    return {
      match,
      resumeMatch,
      getMatchStatus,
      confirm,
      reschedule,
      release,
      expire,
      wakeUp,
      // day shards
      matchInDay,
      claimMarker,
      dropMarker,
      markerLease,
      blockingCount: Effect.sync(() => ledger.ownBlockingCount()),
      dayShards: Effect.sync(() => ledger.dayShards()),
      setDayShards
    } as const
  })

export type HostMatchEngine = Effect.Effect.Success<ReturnType<typeof makeHostMatchEngine>>
