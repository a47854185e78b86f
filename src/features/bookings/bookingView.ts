import type { DefsBookingView } from "../../lexicon/schemas"
import { type Booking, proposalOf } from "../../domain/booking/booking"
import { joinUrlOf } from "../../domain/booking/meetingPlace"
import { zonedSlot } from "../matching/zonedSlots"

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * A booking as its participants see it (the exact time is theirs; nobody else gets a view), with the guest's
 * proposed new time while it is open at `now`, and the guest's note to the host when the caller passes it (only
 * getBooking and listBookings do, for the booking's host and guest: BookingNotes).
 */
export const toBookingView = (booking: Booking, now: number, note?: string): DefsBookingView => {
  const proposal = proposalOf(booking, now)
  return {
    ...viewOf(booking),
    ...(note !== undefined ? { note } : {}),
    ...(proposal !== undefined
      ? { proposal: { start: iso(proposal.startAt), end: iso(proposal.endAt), proposedAt: iso(proposal.proposedAt), expiresAt: iso(proposal.expiresAt) } }
      : {})
  }
}

const viewOf = (booking: Booking): DefsBookingView => ({
  id: booking.id,
  hostDid: booking.hostDid,
  guestDid: booking.guestDid,
  status: booking.status,
  tz: booking.tz,
  createdAt: iso(booking.createdAt),
  updatedAt: iso(booking.updatedAt),
  ...(booking.status === "pending" ? {} : { slot: slotOf(booking) }),
  ...placeOf(booking),
  ...(booking.offerUri ? { offerUri: booking.offerUri } : {}),
  ...(booking.requestUri ? { requestUri: booking.requestUri } : {}),
  ...(booking.status === "held" && booking.holdExpiresAt !== null ? { holdExpiresAt: iso(booking.holdExpiresAt) } : {})
})

/** The time in UTC, on the guest's clock (the booking's zone) and, when the row knows it, on the host's (issue 15 item 6). */
const slotOf = (booking: Booking) => {
  const slot = { start: booking.startAt, end: booking.endAt }
  return {
    start: iso(booking.startAt),
    end: iso(booking.endAt),
    guest: zonedSlot(slot, booking.tz),
    ...(booking.hostTz != null ? { host: zonedSlot(slot, booking.hostTz) } : {})
  }
}

/** Where the meeting is and its join link (issue 15 item 5): the two participants see it, as they see the time. */
const placeOf = (booking: Booking) => {
  const location = booking.location ?? undefined
  const conference = booking.conference ?? undefined
  const joinUrl = joinUrlOf(location, conference)
  return {
    ...(location !== undefined ? { location } : {}),
    ...(joinUrl !== undefined ? { joinUrl } : {}),
    ...(conference !== undefined ? { conferenceProvider: conference.provider } : {})
  }
}
