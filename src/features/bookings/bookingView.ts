import type { DefsBookingView } from "../../lexicon/schemas"
import { type Booking, proposalOf } from "../../domain/booking/booking"

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * A booking as its participants see it (the exact time is theirs; nobody else gets a view), with the guest's
 * proposed new time while it is open at `now`.
 */
export const toBookingView = (booking: Booking, now: number): DefsBookingView => {
  const proposal = proposalOf(booking, now)
  return {
    ...viewOf(booking),
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
  ...(booking.status === "pending" ? {} : { slot: { start: iso(booking.startAt), end: iso(booking.endAt) } }),
  ...(booking.offerUri ? { offerUri: booking.offerUri } : {}),
  ...(booking.requestUri ? { requestUri: booking.requestUri } : {}),
  ...(booking.status === "held" && booking.holdExpiresAt !== null ? { holdExpiresAt: iso(booking.holdExpiresAt) } : {})
})
