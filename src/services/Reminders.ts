import type { Effect } from "effect"
import { Context } from "effect"
import type { Conference } from "../domain/booking/meetingPlace"
import type { EventLocation } from "../domain/eventTypes"
import type { RepositoryError } from "./RepositoryError"

/** A meeting that is on (confirmed, or moved and still on), as the reminder sweep reads it. */
export interface UpcomingMeeting {
  readonly bookingId: string
  readonly sequence: number
  readonly hostDid: string
  readonly guestDid: string
  readonly startAt: number
  readonly endAt: number
  /** The host's zone (the guest's for bookings made before it was recorded). */
  readonly tz: string
  /** Where it happens (the booking's event-type location) and the conference made for it, when there are. */
  readonly location?: EventLocation | undefined
  readonly conference?: Conference | undefined
  /** What the meeting is called (bookings.title, its event type's name); "Meeting" when absent. */
  readonly title?: string | undefined
}

/** The reminder sweep's reads and its once-only ledger (`notify_reminders`, migration 0018). */
export class Reminders extends Context.Tag("overlap/Reminders")<Reminders, {
  /** Meetings that are on and start in [from, to), earliest first, at most `limit`. */
  readonly upcoming: (from: number, to: number, limit: number) => Effect.Effect<ReadonlyArray<UpcomingMeeting>, RepositoryError>
  /** Records the reminder as planned; false when it was planned before (then it is not sent again). */
  readonly plan: (meeting: UpcomingMeeting, recipientDid: string, minutesBefore: number) => Effect.Effect<boolean, RepositoryError>
  /** Takes a plan back (its enqueue failed), so the next run tries again while the reminder is due. */
  readonly unplan: (meeting: UpcomingMeeting, recipientDid: string, minutesBefore: number) => Effect.Effect<void, RepositoryError>
}>() {}
