import type { Notification } from "./plan"
import type { BookingEvent } from "./task"

/** The booking as a guest's proposal leaves it: the meeting's time and the proposed one. */
export interface ProposedBooking {
  readonly id: string
  readonly sequence: number
  readonly hostDid: string
  readonly guestDid: string
  readonly startAt: number
  readonly endAt: number
  readonly tz: string
  readonly proposedStartAt?: number | null | undefined
  readonly proposedEndAt?: number | null | undefined
  readonly proposedAt?: number | null | undefined
  /** What the meeting is called (bookings.title); "Meeting" when absent. */
  readonly title?: string | null | undefined
}

/**
 * The notice to the host that the guest asks to move a meeting (issue 12's proposals): to the host only, with
 * the meeting's time and the proposed one. Its id names the proposal (the time it was made), so a new
 * proposal is a new notice, and the same one redelivered is the same notice. Undefined when the booking holds
 * no proposal.
 */
export const proposalNotification = (booking: ProposedBooking, reason?: string): Notification | undefined => {
  const { proposedStartAt, proposedEndAt, proposedAt } = booking
  if (proposedStartAt == null || proposedEndAt == null || proposedAt == null) return undefined
  const event: BookingEvent = {
    type: "booking.reschedule_proposed",
    bookingId: booking.id,
    sequence: booking.sequence,
    hostDid: booking.hostDid,
    guestDid: booking.guestDid,
    startAt: booking.startAt,
    endAt: booking.endAt,
    tz: booking.tz,
    ...(booking.title != null ? { title: booking.title } : {}),
    ...(reason !== undefined ? { reason } : {}),
    icsKey: null,
    at: proposedAt,
    proposedStartAt,
    proposedEndAt
  }
  return {
    id: `${booking.id}:${booking.sequence}:booking.reschedule_proposed.${proposedAt}`,
    event,
    recipients: [{ did: booking.hostDid }]
  }
}

/**
 * The notice to the guest that the host kept the meeting's time (app.overlap.declineReschedule, or the e-mail's
 * keep-time link): to the guest only, with the meeting's time and the one not taken. `booking` is the booking as
 * it was before the answer (it still holds the proposal). Its id names the proposal, so an answer given twice —
 * the second is refused anyway — or redelivered is one notice. Undefined when the booking holds no proposal.
 */
export const proposalDeclinedNotification = (booking: ProposedBooking, reason?: string): Notification | undefined => {
  const asked = proposalNotification(booking)
  if (asked === undefined) return undefined
  const { proposedAt } = booking
  return {
    id: `${booking.id}:${booking.sequence}:booking.reschedule_declined.${proposedAt}`,
    event: {
      ...asked.event,
      type: "booking.reschedule_declined",
      ...(reason !== undefined ? { reason } : {})
    },
    recipients: [{ did: booking.guestDid }]
  }
}
