import { Clock, Effect, Schedule } from "effect"
import { backoffDelay } from "../../domain/backoff"
import { type CalendarChanged, calendarTaskRetry } from "../../domain/calendar/calendarTask"
import { holdConflictNoticeId } from "../../domain/calendar/connectorNotice"
import { BookingsRepo } from "../../services/BookingsRepo"
import { type Booking } from "../../domain/booking/booking"
import { ConnectorNotices } from "../../services/ConnectorNotices"
import { HoldStore } from "../../services/HoldStore"
import { UserConnectors } from "../../services/UserConnectors"

/**
 * `calendar-changed` (from a push notification or the CalDAV poll): something changed on one of a user's
 * calendars. Every live hold of that user (held bookings, as host or guest, not yet over) is re-checked
 * against their calendars; a hold that now clashes with something else is released:
 *
 *   D1 `held` → `expired` by compare-and-set (a finalize that won first keeps the booking), then
 *   `HoldStore.release` (frees the host's time, releases the tentative events on both calendars), then both
 *   people are told (`hold-conflict-released` on notify-tasks; which calendar clashed is not said).
 *
 * Confirmed bookings are not re-checked: a confirmed meeting is already on both calendars (and, through the
 * invitation, often on others), so it would clash with itself.
 *
 * Redelivery is harmless: the release is idempotent and the notice id is stable. A hold that was expired
 * here but whose release failed is found again (status `expired` with its hold time not yet over) and
 * released again.
 */

const MAX_PAGES = 5

const retryDelaySeconds = (attempts: number) => backoffDelay(calendarTaskRetry, attempts)

const liveHolds = (did: string, now: number) =>
  Effect.gen(function*() {
    const repo = yield* BookingsRepo
    const found: Array<Booking> = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = yield* repo.listForDid({ did, role: "either", limit: 100, cursor, statuses: ["held", "expired"] })
      found.push(...result.items)
      if (result.cursor._tag === "None") break
      cursor = result.cursor.value
    }
    // `expired` before its hold time was over: released for a clash earlier, maybe not yet released everywhere.
    return found.filter((b) => b.endAt > now && (b.status === "held" || (b.holdExpiresAt !== null && b.holdExpiresAt > now)))
  })

export const handleCalendarChanged = (message: Message<CalendarChanged>) =>
  Effect.gen(function*() {
    const change = message.body
    const connectors = yield* UserConnectors
    const repo = yield* BookingsRepo
    const holdStore = yield* HoldStore
    const notices = yield* ConnectorNotices
    const now = yield* Clock.currentTimeMillis

    yield* connectors.calendarChanged(change.did, change.connectorId).pipe(Effect.ignore)
    const candidates = yield* liveHolds(change.did, now)
    if (candidates.length === 0) return message.ack()

    const held = candidates.filter((b) => b.status === "held")
    const clashing = new Set(
      yield* connectors.findConflicts(change.did, held.map((b) => ({ bookingId: b.id, start: b.startAt, end: b.endAt })))
    )
    for (const booking of candidates) {
      if (booking.status === "held") {
        if (!clashing.has(booking.id)) continue
        const expired = yield* repo.transition(booking.id, booking.version, { status: "expired" }).pipe(
          Effect.map(() => true),
          // Someone else moved it first (confirmed, declined, expired): theirs stands.
          Effect.catchTags({ BookingVersionConflict: () => Effect.succeed(false), BookingNotFound: () => Effect.succeed(false) })
        )
        if (!expired) continue
      }
      yield* holdStore.release(booking.hostDid, booking.id).pipe(Effect.retry(Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(2)))))
      yield* notices.send({
        kind: "hold-conflict-released",
        id: holdConflictNoticeId(booking.id),
        bookingId: booking.id,
        hostDid: booking.hostDid,
        guestDid: booking.guestDid,
        recipients: [booking.hostDid, booking.guestDid],
        startAt: booking.startAt,
        endAt: booking.endAt,
        at: now
      })
      yield* Effect.logInfo("calendar-tasks: hold released for a calendar clash", { bookingId: booking.id })
    }
    return message.ack()
  }).pipe(
    Effect.catchAll((error) =>
      // A broken connector cannot be checked; its owner has been told and matching refuses meanwhile.
      error._tag === "ConnectorBroken"
        ? Effect.sync(() => message.ack())
        : Effect.logWarning("calendar-tasks: calendar change not handled; retrying", { error: error._tag }).pipe(
          Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }))
        )
    )
  )
