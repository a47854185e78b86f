import { Clock, Effect, Either, Schedule } from "effect"
import { type Actor, type BookingCommand, nextStatus } from "../../domain/booking/transitions"
import { toMatchRequest } from "../../domain/holds/matchInput"
import { icsKey } from "../../domain/invitation"
import type { BookingEventType } from "../../domain/notify/task"
import { notificationIdFor } from "../../domain/notify/task"
import { proposalDeclinedNotification, proposalNotification } from "../../domain/notify/proposalNotice"
import { AuditLog } from "../../services/AuditLog"
import {
  ActionNotAllowed,
  type BookingLifecycle,
  HoldExpired,
  InvalidConstraints,
  BookingUnavailable,
  type LifecycleCommand,
  type LifecycleError,
  NotParticipant,
  type RescheduleCommand,
  TransitionRefused
} from "../../services/BookingLifecycle"
import { BookingsRepo } from "../../services/BookingsRepo"
import { type Booking, type BookingPatch, type BookingStatus, NO_PROPOSAL, proposalOf } from "../../domain/booking/booking"
import { constraintsOf, GUEST_RESCHEDULE_REFUSED, GUESTS_MAY_NOT_RESCHEDULE, HOST_RESCHEDULE_RULES, ONLY_THE_HOST_ANSWERS_PROPOSALS } from "./rescheduleTerms"
import { CalendarUnavailable, HoldStore, NoSlotAvailable } from "../../services/HoldStore"
import { slotRulesOf } from "../../domain/matching/hostRules"
import { IcsStore } from "../../services/IcsStore"
import { eventPlace, invitationPlace } from "../../domain/booking/meetingPlace"
import { NotifyOutbox } from "../../services/NotifyOutbox"
import { PdsWriter } from "../../services/PdsWriter"

export { GUEST_RESCHEDULE_REFUSED, GUESTS_MAY_NOT_RESCHEDULE } from "./rescheduleTerms"

const unavailable = (message: string) => (cause: unknown) => new BookingUnavailable({ message, cause })

/** After the booking committed: retried a little, then logged. The answer never turns into a failure. */
const afterCommit = (what: string, bookingId: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.retry(Schedule.intersect(Schedule.exponential("50 millis"), Schedule.recurs(2))),
    Effect.asVoid,
    Effect.catchAll((error) => Effect.logError(`booking ${bookingId}: ${what} failed after the transition committed`, error))
  )

const eventTypeOf: Record<BookingCommand["_tag"], string> = {
  Hold: "booking.hold",
  Finalize: "booking.finalize",
  Decline: "booking.decline",
  Expire: "booking.expire",
  Cancel: "booking.cancel",
  Reschedule: "booking.reschedule"
}

/** The booking state machine BookingDO runs: exactly the `BookingLifecycle` contract, without the RPC hop. */
export type BookingEngine = BookingLifecycle["Type"]

export type BookingEngineServices = BookingsRepo | HoldStore | IcsStore | NotifyOutbox | PdsWriter | AuditLog

/** A booking's hold lives in the hold store under the booking's own id (a reschedule moves it in place). */
export const makeBookingEngine: Effect.Effect<BookingEngine, never, BookingEngineServices> =
  Effect.gen(function*() {
    const bookings = yield* BookingsRepo
    const holds = yield* HoldStore
    const ics = yield* IcsStore
    const outbox = yield* NotifyOutbox
    const pds = yield* PdsWriter
    const audit = yield* AuditLog

    // One permit per booking, and a count of the transitions it committed: a command is judged against the
    // state it arrived at, so of two commands that overlap, the one that waited finds the state changed (409).
    const lanes = new Map<string, { readonly lock: Effect.Semaphore; committed: number }>()
    const laneOf = (bookingId: string) => {
      let lane = lanes.get(bookingId)
      if (lane === undefined) {
        lane = { lock: Effect.unsafeMakeSemaphore(1), committed: 0 }
        lanes.set(bookingId, lane)
      }
      return lane
    }

    const load = (bookingId: string) =>
      bookings.get(bookingId).pipe(Effect.catchTag("RepositoryError", (e) => Effect.fail(unavailable("could not read the booking")(e))))

    const actorOf = (booking: Booking, did: string): Effect.Effect<Actor, NotParticipant> =>
      did === booking.hostDid
        ? Effect.succeed("host")
        : did === booking.guestDid
        ? Effect.succeed("guest")
        : Effect.fail(new NotParticipant({ bookingId: booking.id }))

    const decide = (booking: Booking, command: BookingCommand, actor: Actor) =>
      Either.match(nextStatus(booking.status, command, actor), {
        onRight: (to) => Effect.succeed(to),
        onLeft: (error) =>
          error._tag === "InvalidTransition"
            ? Effect.fail(new TransitionRefused({ from: error.from, command: error.command, message: error.message }))
            : Effect.fail(new ActionNotAllowed({ actor: error.actor, command: error.command, message: error.message }))
      })

    /** A compare-and-set lost to another writer: a 409 naming the state now. */
    const lostRace = (booking: Booking, command: BookingCommand["_tag"]) =>
      Effect.flatMap(load(booking.id), (now) =>
        Effect.fail(
          new TransitionRefused({
            from: now.status,
            command,
            message: `cannot ${command.toLowerCase()}: the booking is now ${now.status}`
          })
        ))
    const committed = (booking: Booking) => Effect.sync(() => void laneOf(booking.id).committed++)

    /** Compare-and-set in D1; a lost race (the hold store expired it meanwhile) is a 409 naming the state now. */
    const commit = (booking: Booking, command: BookingCommand["_tag"], patch: BookingPatch) =>
      bookings.transition(booking.id, booking.version, patch).pipe(
        Effect.tap(() => committed(booking)),
        Effect.catchTags({
          BookingVersionConflict: () => lostRace(booking, command),
          RepositoryError: (e) => Effect.fail(unavailable("could not write the booking")(e))
        })
      )

    /** The trail of a committed transition, the invitation, the notification and the public record. */
    const publish = (
      before: Booking,
      after: Booking,
      command: BookingCommand["_tag"],
      actorDid: string,
      actor: Actor,
      options: { readonly method?: "REQUEST" | "CANCEL"; readonly event: BookingEventType; readonly reason?: string | undefined }
    ) =>
      Effect.gen(function*() {
        const at = new Date(yield* Clock.currentTimeMillis).toISOString()
        yield* audit.recordTransition({
          bookingId: after.id,
          actorDid,
          actor,
          eventType: eventTypeOf[command],
          fromState: before.status,
          toState: after.status,
          sequence: after.sequence,
          at
        }, after.version).pipe(afterCommit("audit", after.id))
        const method = options.method
        if (method !== undefined) {
          yield* ics.put({
            bookingId: after.id,
            sequence: after.sequence,
            method,
            startAt: after.startAt,
            endAt: after.endAt,
            hostTz: after.hostTz ?? after.tz,
            summary: `${after.title ?? "Meeting"} (Overlap)`,
            ...invitationPlace(after.location ?? undefined, after.conference ?? undefined),
            organizer: { did: after.hostDid },
            attendee: { did: after.guestDid },
            stampedAt: Date.parse(at)
          }).pipe(afterCommit("invitation", after.id))
        }
        const event = {
          type: options.event,
          bookingId: after.id,
          sequence: after.sequence,
          hostDid: after.hostDid,
          guestDid: after.guestDid,
          startAt: after.startAt,
          endAt: after.endAt,
          // messages show the meeting on the host's clock (bookings.tz is the guest's; host_tz, migration 0022)
          tz: after.hostTz ?? after.tz,
          ...eventPlace(after.location ?? undefined, after.conference ?? undefined),
          // what the meeting is called (its event type's name, migration 0023); "Meeting" when none
          ...(after.title != null ? { title: after.title } : {}),
          ...(options.reason !== undefined ? { reason: options.reason } : {}),
          icsKey: method !== undefined ? icsKey(after.id, after.sequence) : null,
          // the invitation's DTSTAMP and the e-mail's Date: a redelivery renders the same message
          at: Date.parse(at)
        }
        yield* outbox.enqueue({
          id: notificationIdFor(event),
          event,
          recipients: [{ did: after.hostDid }, { did: after.guestDid }]
        }).pipe(afterCommit("notification", after.id))
        if (after.status === "confirmed" || after.status === "rescheduled" || (after.status === "canceled" && before.status !== "held")) {
          // The public trace in the host's repo: no time, only that it exists and where it stands.
          yield* pds.putRecord({
            repo: after.hostDid,
            collection: "app.overlap.booking",
            rkey: after.id,
            record: {
              $type: "app.overlap.booking",
              hostDid: after.hostDid,
              guestDid: after.guestDid,
              status: after.status,
              timeMasked: true,
              createdAt: new Date(after.createdAt).toISOString()
            }
          }).pipe(afterCommit("public record", after.id))
        }
      })

    /** Serializes a command on its booking and checks who may give it before anything is touched. */
    const serialized = <A>(
      input: LifecycleCommand,
      command: BookingCommand,
      body: (booking: Booking, actor: Actor, to: BookingStatus) => Effect.Effect<A, LifecycleError>
    ): Effect.Effect<A, LifecycleError> =>
      Effect.suspend(() => {
        const lane = laneOf(input.bookingId)
        const seen = lane.committed
        return lane.lock.withPermits(1)(
          Effect.gen(function*() {
            const booking = yield* load(input.bookingId)
            const actor = yield* actorOf(booking, input.callerDid)
            if (lane.committed !== seen) {
              return yield* new TransitionRefused({
                from: booking.status,
                command: command._tag,
                message: `cannot ${command._tag.toLowerCase()}: the booking became ${booking.status} while this request waited`
              })
            }
            const to = yield* decide(booking, command, actor)
            return yield* body(booking, actor, to)
          })
        )
      })

    const hostStoreFailure = unavailable("the hold store could not be reached")

    const finalize = (input: LifecycleCommand) =>
      serialized(input, { _tag: "Finalize" }, (booking, actor, to) =>
        Effect.gen(function*() {
          // both calendar events say where the meeting is; a conference is made on the host's calendar now
          const confirmed = yield* holds.confirm(booking.hostDid, booking.id, booking.location != null ? { location: booking.location } : {}).pipe(
            Effect.catchTags({
              HoldNotFound: () => Effect.fail(new HoldExpired({ bookingId: booking.id })),
              HoldStoreError: (e) => Effect.fail(hostStoreFailure(e))
            })
          )
          const after = yield* commit(booking, "Finalize", {
            status: to,
            holdExpiresAt: null,
            sequence: booking.sequence + 1,
            icsR2Key: icsKey(booking.id, booking.sequence + 1),
            ...(confirmed.conference !== undefined ? { conference: confirmed.conference } : {})
          })
          yield* publish(booking, after, "Finalize", input.callerDid, actor, { method: "REQUEST", event: "booking.confirmed" })
          return after
        }))

    const release = (booking: Booking) =>
      holds.release(booking.hostDid, booking.id).pipe(
        afterCommit("releasing the holds", booking.id)
      )

    const decline = (input: LifecycleCommand) =>
      serialized(input, { _tag: "Decline" }, (booking, actor, to) =>
        Effect.gen(function*() {
          const after = yield* commit(booking, "Decline", { status: to, holdExpiresAt: null })
          yield* release(booking)
          yield* publish(booking, after, "Decline", input.callerDid, actor, { event: "booking.declined", reason: input.reason })
          return after
        }))

    const cancel = (input: LifecycleCommand) =>
      serialized(input, { _tag: "Cancel" }, (booking, actor, to) =>
        Effect.gen(function*() {
          // A held booking never had an invitation: withdrawing it sends none.
          const invited = booking.status !== "held"
          const after = yield* commit(booking, "Cancel", {
            status: to,
            holdExpiresAt: null,
            ...NO_PROPOSAL,
            ...(invited ? { sequence: booking.sequence + 1, icsR2Key: icsKey(booking.id, booking.sequence + 1) } : {})
          })
          yield* release(booking)
          yield* publish(booking, after, "Cancel", input.callerDid, actor, {
            ...(invited ? { method: "CANCEL" as const } : {}),
            event: "booking.canceled",
            reason: input.reason
          })
          return after
        }))

    /**
     * Finds the new time and moves the meeting in place, or, for a guest whose host keeps moves to the host,
     * stores it as the booking's proposal (the same search: offers, notice, grid, buffers, both calendars).
     */
    const move = (booking: Booking, actor: Actor, to: BookingStatus, input: RescheduleCommand, propose: boolean) =>
      Effect.gen(function*() {
        const constraints = yield* constraintsOf(input, booking)
        const sequence = booking.sequence + 1
        const now = yield* Clock.currentTimeMillis
        const earliest = constraints.earliest !== undefined ? Date.parse(constraints.earliest) : now
        const latest = constraints.latest !== undefined ? Date.parse(constraints.latest) : earliest + 30 * 86_400_000
        // A guest moves (or proposes) only where a new match could land: the host's offer windows (as the
        // guest's tier allows them now) and the host's notice, grid and buffers. Without the access the
        // AppView found, a guest's command is refused (fail closed).
        const access = input.access
        const asGuest = actor === "guest"
        if (asGuest && access === undefined) {
          return yield* new ActionNotAllowed({ actor, command: "Reschedule", message: GUESTS_MAY_NOT_RESCHEDULE })
        }
        if (asGuest && access!.offers.length === 0) return yield* new NoSlotAvailable({ message: GUEST_RESCHEDULE_REFUSED })
        const search = toMatchRequest({
          hostDid: booking.hostDid,
          guestDid: booking.guestDid,
          bookingId: booking.id,
          offers: asGuest ? access!.offers : [{ startAt: earliest, endAt: latest, tz: constraints.tz }],
          constraints,
          hostRules: asGuest ? slotRulesOf(access!.rules, access!.hostTz ?? booking.tz) : { ...HOST_RESCHEDULE_RULES, timeZone: booking.tz },
          now
        })
        // In place: the host's object finds the new time (the meeting's own time does not block it), moves
        // both calendar events and writes the new time into this booking's row together with the
        // transition, by compare-and-set on the version this command was judged against. A proposal
        // writes only the found time as the proposal (a new one replaces the old); a move drops any proposal.
        const after = yield* holds.reschedule({
          hostDid: search.hostDid,
          guestDid: search.guestDid,
          bookingId: search.bookingId,
          offers: search.offers,
          guest: search.guest,
          host: search.host,
          now,
          expectedVersion: booking.version,
          patch: propose ? { proposedAt: now } : { status: to, sequence, icsR2Key: icsKey(booking.id, sequence), ...NO_PROPOSAL },
          ...(propose ? { propose } : {})
        }).pipe(
          Effect.tap(() => committed(booking)),
          Effect.catchTags({
            BookingVersionConflict: () => lostRace(booking, "Reschedule"),
            HoldNotFound: () =>
              Effect.fail(
                new CalendarUnavailable({
                  party: "host",
                  reason: "gone",
                  message: "the host's calendar no longer tracks this meeting; cancel it and book again"
                })
              ),
            HoldStoreError: (e) => Effect.fail(hostStoreFailure(e)),
            NoSlotAvailable: (e) => Effect.fail(asGuest ? new NoSlotAvailable({ message: GUEST_RESCHEDULE_REFUSED }) : e)
          })
        )
        if (!propose) {
          yield* publish(booking, after, "Reschedule", input.callerDid, actor, { method: "REQUEST", event: "booking.rescheduled", reason: input.reason })
        } else {
          // the host is told of the proposal (docs/notifications.md); the meeting keeps its time
          const notice = proposalNotification({ ...after, tz: after.hostTz ?? after.tz }, input.reason)
          if (notice !== undefined) yield* outbox.enqueue(notice).pipe(afterCommit("proposal notice", after.id))
        }
        return after
      })

    const reschedule = (input: RescheduleCommand) =>
      serialized(input, { _tag: "Reschedule" }, (booking, actor, to) =>
        move(booking, actor, to, input, actor === "guest" && input.access !== undefined && !input.access.rules.guestsMayReschedule))

    /** The open proposal a host answers; anyone else is refused as for other host-only commands. */
    const openProposal = (booking: Booking, actor: Actor, command: string) =>
      Effect.gen(function*() {
        if (actor !== "host") return yield* new ActionNotAllowed({ actor, command, message: ONLY_THE_HOST_ANSWERS_PROPOSALS })
        const proposal = proposalOf(booking, yield* Clock.currentTimeMillis)
        if (proposal === undefined) {
          return yield* new TransitionRefused({ from: booking.status, command, message: "there is no open proposal to answer on this booking" })
        }
        return proposal
      })

    /** The host takes the guest's proposed time: moved exactly as the host's own reschedule moves it. */
    const confirmReschedule = (input: LifecycleCommand) =>
      serialized(input, { _tag: "Reschedule" }, (booking, actor, to) =>
        Effect.flatMap(openProposal(booking, actor, "ConfirmReschedule"), (proposal) =>
          move(booking, actor, to, {
            ...input,
            slot: { start: new Date(proposal.startAt).toISOString(), end: new Date(proposal.endAt).toISOString() }
          }, false).pipe(
            // Taken since: the proposal is dropped and the host told so (the meeting keeps its time).
            Effect.catchTag("NoSlotAvailable", () =>
              Effect.flatMap(
                Effect.flatMap(load(booking.id), (now) => commit(now, "Reschedule", NO_PROPOSAL)),
                () => Effect.fail(new NoSlotAvailable({ message: "the proposed time is no longer free on both calendars; the proposal was dropped and the meeting keeps its time" }))
              ))
          )))

    /** The host keeps the meeting's time: the proposal is dropped and the guest told so (once per proposal). */
    const declineReschedule = (input: LifecycleCommand) =>
      serialized(input, { _tag: "Reschedule" }, (booking, actor) =>
        Effect.flatMap(openProposal(booking, actor, "DeclineReschedule"), () =>
          Effect.tap(commit(booking, "Reschedule", NO_PROPOSAL), (after) => {
            const notice = proposalDeclinedNotification({ ...booking, tz: booking.hostTz ?? booking.tz }, input.reason)
            return notice === undefined ? Effect.void : outbox.enqueue(notice).pipe(afterCommit("proposal answer notice", after.id))
          })))

    return { finalize, decline, cancel, reschedule, confirmReschedule, declineReschedule }
  })
