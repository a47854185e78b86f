import { Effect, Either } from "effect"
import { conferenceWanted, meetingDetails, type MeetingDetails } from "../../../domain/booking/meetingPlace"
import { BOOKED_RETENTION_MS } from "../../../domain/holds/policy"
import {
  type CalendarParty,
  CalendarUnavailable,
  type ConfirmedMeeting,
  type ConfirmMeeting,
  HoldNotFound,
  type HoldStoreError
} from "../../../services/HoldStore"
import type { EngineContext } from "./EngineContext"
import { isMarker, type PartyHold } from "./HoldLedger"
import { didOf } from "./holdRecords"
import { classify } from "./providerFailures"

/**
 * `HoldStore.confirm`: the hold became a booking. It is booked in the ledger first (from then on the alarm
 * will not expire it, whatever the calendars answer), then both calendars confirm their events, each with
 * where the meeting is (`meeting.location`, docs/host-rules.md "Meeting locations"). Without a conference
 * to create they confirm in parallel; with one, the host's calendar first (it makes the Google Meet or Teams
 * meeting, answered in its `HoldRef.conference`), then the guest's, whose event gets the join link.
 */
export type Confirm = (
  bookingId: string,
  meeting?: ConfirmMeeting
) => Effect.Effect<ConfirmedMeeting, HoldNotFound | CalendarUnavailable | HoldStoreError>

export const makeConfirm = ({ calendar, ledger, locks, shards, wake }: EngineContext): Confirm => (bookingId, meeting) =>
  Effect.suspend((): Effect.Effect<ConfirmedMeeting, HoldNotFound | CalendarUnavailable | HoldStoreError> => {
    if (locks.isHeld(bookingId)) return Effect.fail(locks.busy(bookingId))
    const record = ledger.get(bookingId)
    const home = record === undefined ? ledger.homeOf(bookingId) : undefined
    if (home !== undefined) return shards.confirm(home.hostDid, home.day, bookingId, meeting)
    if (record === undefined || record.state === "releasing" || record.state === "reserved" || isMarker(bookingId)) {
      return Effect.fail(new HoldNotFound({ bookingId }))
    }
    ledger.put({ ...record, state: "booked", dueAt: record.end + BOOKED_RETENTION_MS })
    const confirmParty = (party: CalendarParty, hold: PartyHold, details: MeetingDetails | undefined): Effect.Effect<PartyHold, CalendarUnavailable> =>
      hold._tag !== "placed"
        ? Effect.succeed(hold)
        : calendar.confirmHold(didOf(record, party), hold.ref, details).pipe(
          Effect.map((ref): PartyHold => ({ _tag: "placed", ref })),
          Effect.mapError((error) => {
            const meaning = classify({ party, error })
            return meaning._tag === "Backoff"
              ? new CalendarUnavailable({ party, reason: "rate-limited", message: meaning.reason })
              : meaning
          })
        )
    const location = meeting?.location
    const wanted = conferenceWanted(location)
    const conferenceOf = (host: Either.Either<PartyHold, CalendarUnavailable>) => {
      const hold = Either.getOrElse(host, () => record.host)
      return hold._tag === "placed" ? hold.ref.conference : undefined
    }
    return Effect.gen(function*() {
      yield* wake.refresh
      // the host's event carries a conference natively (Meet / Teams show their own join link); else the place
      const hostDetails = meeting === undefined ? undefined : wanted !== undefined ? { createConference: wanted } : meetingDetails(location, undefined)
      const [host, guest] = wanted === undefined
        ? yield* Effect.all([confirmParty("host", record.host, hostDetails), confirmParty("guest", record.guest, hostDetails)], {
          concurrency: 2,
          mode: "either"
        })
        : yield* Effect.flatMap(Effect.either(confirmParty("host", record.host, hostDetails)), (host) =>
          Effect.map(Effect.either(confirmParty("guest", record.guest, meetingDetails(location, conferenceOf(host)))), (guest) => [host, guest] as const))
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
      const conference = conferenceOf(host)
      return conference !== undefined ? { conference } : {}
    }).pipe(locks.exclusive(bookingId))
  })
