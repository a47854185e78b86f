import { Clock, Duration, Effect } from "effect"
import { MAX_RELEASE_ATTEMPTS, PLACE_TIMEOUT_MS, releaseRetryDelayMs } from "../../../domain/holds/policy"
import { dayOf, markerKey } from "../../../domain/holds/shards"
import type { CalendarParty, HoldStoreError } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import { type HoldRecord, isMarker, noHold, type PartyHold } from "./HoldLedger"
import { didOf, holdRequestFor } from "./holdRecords"

/** Freeing a hold's time and removing its tentative events, retried until both calendars are clean. */
export interface Releases {
  /** Releases what a `releasing` record still has on the calendars; drops it when nothing is left. */
  readonly releaseCalendars: (record: HoldRecord) => Effect.Effect<void>
  /**
   * Frees the time now (the record stops blocking), releases the calendars and drops the hold's markers in
   * other day shards (a marker that cannot be dropped now goes when it next comes due: its home says gone).
   * `host` / `guest`: what the calendars have, when the caller knows better than the record.
   */
  readonly startRelease: (record: HoldRecord, host?: PartyHold, guest?: PartyHold) => Effect.Effect<void>
  /** `HoldStore.release`: idempotent; a hold homed in a day shard is released there. */
  readonly release: (bookingId: string) => Effect.Effect<void, HoldStoreError>
}

export const makeReleases = ({ calendar, ledger, locks, shards, wake }: EngineContext): Releases => {
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

  const startRelease = (record: HoldRecord, host = record.host, guest = record.guest): Effect.Effect<void> =>
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

  const release = (bookingId: string): Effect.Effect<void, HoldStoreError> =>
    Effect.suspend((): Effect.Effect<void, HoldStoreError> => {
      if (locks.isHeld(bookingId)) return Effect.fail(locks.busy(bookingId))
      const record = ledger.get(bookingId)
      if (record === undefined) {
        const home = ledger.homeOf(bookingId)
        if (home === undefined) return Effect.void
        // the week's place under the weekly cap goes with the hold (WeekCaps.ts)
        return Effect.tap(shards.release(home.hostDid, home.day, bookingId), () => ledger.removeWeekClaim(bookingId))
      }
      if (isMarker(bookingId)) return Effect.void
      return (record.state === "releasing" ? releaseCalendars(record) : startRelease(record)).pipe(locks.exclusive(bookingId))
    })

  return { releaseCalendars, startRelease, release }
}
