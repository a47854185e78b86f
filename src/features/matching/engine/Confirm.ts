import { Effect, Either } from "effect"
import { BOOKED_RETENTION_MS } from "../../../domain/holds/policy"
import { type CalendarParty, CalendarUnavailable, HoldNotFound, type HoldStoreError } from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import { isMarker, type PartyHold } from "./HoldLedger"
import { didOf } from "./holdRecords"
import { classify } from "./providerFailures"

/**
 * `HoldStore.confirm`: the hold became a booking. It is booked in the ledger first (from then on the alarm
 * will not expire it, whatever the calendars answer), then both calendars confirm their events in parallel.
 */
export type Confirm = (bookingId: string) => Effect.Effect<void, HoldNotFound | CalendarUnavailable | HoldStoreError>

export const makeConfirm = ({ calendar, ledger, locks, shards, wake }: EngineContext): Confirm => (bookingId) =>
  Effect.suspend((): Effect.Effect<void, HoldNotFound | CalendarUnavailable | HoldStoreError> => {
    if (locks.isHeld(bookingId)) return Effect.fail(locks.busy(bookingId))
    const record = ledger.get(bookingId)
    const home = record === undefined ? ledger.homeOf(bookingId) : undefined
    if (home !== undefined) return shards.confirm(home.hostDid, home.day, bookingId)
    if (record === undefined || record.state === "releasing" || record.state === "reserved" || isMarker(bookingId)) {
      return Effect.fail(new HoldNotFound({ bookingId }))
    }
    ledger.put({ ...record, state: "booked", dueAt: record.end + BOOKED_RETENTION_MS })
    const confirmParty = (party: CalendarParty, hold: PartyHold): Effect.Effect<PartyHold, CalendarUnavailable> =>
      hold._tag !== "placed"
        ? Effect.succeed(hold)
        : calendar.confirmHold(didOf(record, party), hold.ref).pipe(
          Effect.map((ref): PartyHold => ({ _tag: "placed", ref })),
          Effect.mapError((error) => {
            const meaning = classify({ party, error })
            return meaning._tag === "Backoff"
              ? new CalendarUnavailable({ party, reason: "rate-limited", message: meaning.reason })
              : meaning
          })
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
    }).pipe(locks.exclusive(bookingId))
  })
