import type { Effect } from "effect"
import { Context } from "effect"
import type { Conference } from "../domain/booking/meetingPlace"
import type { EventLocation } from "../domain/eventTypes"
import type { RepositoryError } from "./RepositoryError"

/** A booking the hold engine moved to `held` or `expired`, as the transition sweep reads it. */
export interface HoldTransition {
  readonly type: "booking.held" | "booking.expired"
  readonly bookingId: string
  readonly sequence: number
  readonly hostDid: string
  readonly guestDid: string
  readonly startAt: number
  readonly endAt: number
  readonly tz: string
  /** Where it happens (the booking's event-type location) and the conference made for it, when there are. */
  readonly location?: EventLocation | undefined
  readonly conference?: Conference | undefined
  /** What the meeting is called (bookings.title, its event type's name); "Meeting" when absent. */
  readonly title?: string | undefined
  /** When the booking reached this state (its row's updated_at). */
  readonly at: number
}

/** The transition sweep's reads and its once-only ledger (`notify_transitions`, migration 0019). */
export class TransitionNotices extends Context.Tag("overlap/TransitionNotices")<TransitionNotices, {
  /**
   * Bookings not announced yet: held now (hold not past `now`), or expired since `expiredSince`; oldest change
   * first, at most `limit`.
   */
  readonly unannounced: (now: number, expiredSince: number, limit: number) => Effect.Effect<ReadonlyArray<HoldTransition>, RepositoryError>
  /** Records the transition as announced; false when it was before (then nothing is sent again). */
  readonly record: (transition: HoldTransition) => Effect.Effect<boolean, RepositoryError>
  /** Takes a record back (its enqueue failed), so the next run tries again. */
  readonly unrecord: (transition: HoldTransition) => Effect.Effect<void, RepositoryError>
}>() {}
