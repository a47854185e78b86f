import type { Invitation } from "../../src/domain/invitation"
import type { BookingEvent, NotifyTask } from "../../src/domain/notify/task"

export const HOST = "did:plc:hosthosthosthosthosthost"
export const GUEST = "did:plc:guestguestguestguestgues"
export const START = Date.UTC(2026, 2, 3, 9, 0, 0) // 10:00 in Berlin
export const END = Date.UTC(2026, 2, 3, 9, 30, 0)
export const STAMP = Date.UTC(2026, 2, 1, 8, 0, 0)

export const confirmInvitation = (overrides: Partial<Invitation> = {}): Invitation => ({
  bookingId: "bk_01HXYZ",
  sequence: 1,
  method: "REQUEST",
  startAt: START,
  endAt: END,
  hostTz: "Europe/Berlin",
  summary: "Overlap: Host & Guest; planning, q1",
  description: "Booked through Overlap.",
  organizer: { did: HOST, name: "Host Person", email: "host@example.com" },
  attendee: { did: GUEST, name: "guest.bsky.social" },
  stampedAt: STAMP,
  ...overrides
})

export const bookingEvent = (overrides: Partial<BookingEvent> = {}): BookingEvent => ({
  type: "booking.confirmed",
  bookingId: "bk_01HXYZ",
  sequence: 1,
  hostDid: HOST,
  guestDid: GUEST,
  startAt: START,
  endAt: END,
  tz: "Europe/Berlin",
  icsKey: "ics/bk_01HXYZ/1.ics",
  ...overrides
})

export const emailTask = (overrides: Partial<Extract<NotifyTask, { channel: "email" }>> = {}): NotifyTask => ({
  channel: "email",
  id: "bk_01HXYZ:1:booking.confirmed",
  target: "guest@example.com",
  recipientDid: GUEST,
  event: bookingEvent(),
  ...overrides
})
