import { Clock, Effect } from "effect"
import { eventPlace } from "../../domain/booking/meetingPlace"
import type { BookingEvent } from "../../domain/notify/task"
import { NotifyOutbox } from "../../services/NotifyOutbox"
import { type HoldTransition, TransitionNotices } from "../../services/TransitionNotices"

/** An expiry is announced while it is at most this old (older ones, e.g. from before this sweep existed, are not). */
export const EXPIRED_NOTICE_WINDOW_MS = 24 * 3_600_000
/** Bookings read per run; the next minute takes the rest. */
const BATCH = 200

/**
 * The hold engine's transitions told to both people (every minute, on the AppView, with the expire-holds
 * cron): a request that is `held` (the host: please confirm, with signed confirm / decline links; the guest:
 * waiting) and one that `expired` unconfirmed. HostMatchDO and the expiry paths (its alarm, the cron's
 * backstop) write these states to D1 without a notification, so this reads D1 and announces each
 * (booking, sequence, event) once: recorded in `notify_transitions` first, enqueued only when this run
 * recorded it, the record taken back when the enqueue fails. The delivery ledger dedupes on top, so a queue
 * redelivery sends nothing twice. A request confirmed or declined before the run is not announced as held
 * (those transitions notify from BookingEngine). Answers how many notifications it enqueued.
 */
export const transitionSweep: Effect.Effect<number, never, TransitionNotices | NotifyOutbox> = Effect.gen(function*() {
  const now = yield* Clock.currentTimeMillis
  const notices = yield* TransitionNotices
  const outbox = yield* NotifyOutbox
  const due = yield* notices.unannounced(now, now - EXPIRED_NOTICE_WINDOW_MS, BATCH)
  let sent = 0
  const announce = (transition: HoldTransition) =>
    Effect.gen(function*() {
      if (!(yield* notices.record(transition))) return
      const event: BookingEvent = {
        type: transition.type,
        bookingId: transition.bookingId,
        sequence: transition.sequence,
        hostDid: transition.hostDid,
        guestDid: transition.guestDid,
        startAt: transition.startAt,
        endAt: transition.endAt,
        tz: transition.tz,
        // where: the place and join link, as the booking transitions and reminders say it
        ...eventPlace(transition.location, transition.conference),
        // what the meeting is called (bookings.title); "Meeting" when none
        ...(transition.title !== undefined ? { title: transition.title } : {}),
        icsKey: null,
        at: transition.at
      }
      yield* outbox.enqueue({
        id: `${transition.bookingId}:${transition.sequence}:${transition.type}`,
        event,
        recipients: [{ did: transition.hostDid }, { did: transition.guestDid }]
      }).pipe(Effect.tapError(() => notices.unrecord(transition)))
      sent++
    }).pipe(Effect.catchAll((error) => Effect.logError(`${transition.type} notice for ${transition.bookingId} failed`, error)))
  yield* Effect.forEach(due, announce, { discard: true })
  return sent
}).pipe(Effect.catchAll((error) => Effect.as(Effect.logError("transition sweep could not read the bookings", error), 0)))
