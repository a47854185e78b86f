import { Clock, Effect } from "effect"
import { eventPlace } from "../../domain/booking/meetingPlace"
import { MAX_REMINDER_MINUTES } from "../../domain/notify/preferences"
import type { BookingEvent } from "../../domain/notify/task"
import { NotifyOutbox } from "../../services/NotifyOutbox"
import { NotifySettings } from "../../services/NotifySettings"
import { Reminders, type UpcomingMeeting } from "../../services/Reminders"

/** A reminder is sent while it is at most this late (the cron runs every minute; a longer outage skips it). */
export const REMINDER_GRACE_MS = 10 * 60_000
/** Meetings read per run. */
const BATCH = 200

/**
 * The reminder cron (every minute, on the AppView): for each meeting that is on and starts within the longest
 * reminder lead, and for each participant whose preferences have reminders on, every reminder that is due now
 * (start − minutesBefore ≤ now < that + grace, and before the start) is recorded in the ledger and, only when
 * this run recorded it, enqueued as a `booking.reminder` notification to that person alone. Canceled or
 * declined meetings are not read; a moved meeting has a new sequence, so the old time's reminders are never
 * sent and the new time's are planned afresh. Answers how many reminders it enqueued.
 */
export const reminderSweep: Effect.Effect<number, never, Reminders | NotifySettings | NotifyOutbox> = Effect.gen(function*() {
  const now = yield* Clock.currentTimeMillis
  const reminders = yield* Reminders
  const settings = yield* NotifySettings
  const outbox = yield* NotifyOutbox
  const meetings = yield* reminders.upcoming(now, now + MAX_REMINDER_MINUTES * 60_000 + 1, BATCH)
  let sent = 0
  const remind = (meeting: UpcomingMeeting, did: string) =>
    Effect.gen(function*() {
      const { preferences } = yield* settings.get(did)
      if (!preferences.reminders.enabled) return
      for (const minutes of preferences.reminders.minutesBefore) {
        const due = meeting.startAt - minutes * 60_000
        if (now < due || now >= due + REMINDER_GRACE_MS || now >= meeting.startAt) continue
        if (!(yield* reminders.plan(meeting, did, minutes))) continue
        const event: BookingEvent = {
          type: "booking.reminder",
          bookingId: meeting.bookingId,
          sequence: meeting.sequence,
          hostDid: meeting.hostDid,
          guestDid: meeting.guestDid,
          startAt: meeting.startAt,
          endAt: meeting.endAt,
          tz: meeting.tz,
          ...eventPlace(meeting.location, meeting.conference),
          ...(meeting.title !== undefined ? { title: meeting.title } : {}),
          icsKey: null,
          at: now,
          minutesBefore: minutes
        }
        yield* outbox.enqueue({ id: `${meeting.bookingId}:${meeting.sequence}:booking.reminder.${minutes}`, event, recipients: [{ did }] }).pipe(
          Effect.tapError(() => reminders.unplan(meeting, did, minutes))
        )
        sent++
      }
    }).pipe(
      Effect.catchAll((error) => Effect.logError(`reminder for ${meeting.bookingId} failed`, error))
    )
  for (const meeting of meetings) {
    yield* remind(meeting, meeting.hostDid)
    yield* remind(meeting, meeting.guestDid)
  }
  return sent
}).pipe(Effect.catchAll((error) => Effect.as(Effect.logError("reminder sweep could not read the meetings", error), 0)))
