import { Schema } from "effect"
import { Did, EpochMillis } from "../identifiers"
import { Conference } from "../booking/meetingPlace"

/**
 * What an invitation says, before it is written as iCalendar (ics.ts). The caller (the booking state
 * machine) owns `sequence`: it increments it on every change of the booking, so calendar clients apply a
 * reschedule or a cancel over the copy they already have (RFC 5546 §2.1.4).
 */

/** `REQUEST` on confirm and reschedule, `CANCEL` on cancel (RFC 5546 §3.2.2, §3.2.5). */
export const InvitationMethod = Schema.Literal("REQUEST", "CANCEL")
export type InvitationMethod = typeof InvitationMethod.Type

/** A booking id as it appears in an R2 key and a UID: no `/`, no spaces (the lexicons cap it at 64). */
export const BookingId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._~-]{1,64}$/),
  Schema.filter((s) => s !== "." && s !== ".." || "a booking id cannot be . or .."),
  Schema.annotations({ identifier: "BookingId" })
)

/** An addr-spec good enough to route: one @, no spaces or angle brackets (full RFC 5322 is not the point). */
export const EmailAddress = Schema.String.pipe(
  Schema.pattern(/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/),
  Schema.maxLength(254),
  Schema.annotations({ identifier: "EmailAddress" })
)

/** An IANA time-zone name the platform knows (full ICU in workerd and Node). */
export const IanaZone = Schema.String.pipe(
  Schema.maxLength(64),
  Schema.filter((zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone })
      return true
    } catch {
      return `unknown time zone ${JSON.stringify(zone)}`
    }
  }),
  Schema.annotations({ identifier: "IanaZone" })
)

/**
 * A person on the invitation. The calendar address is `mailto:<email>` when an e-mail address is known,
 * otherwise the DID itself: a DID is a URI (W3C DID Core §3.1), so it is a valid RFC 5545 CAL-ADDRESS that
 * names the person unambiguously, though no calendar client can send it an iTIP reply.
 */
export const Participant = Schema.Struct({
  did: Did,
  /** Shown as CN (e.g. the handle or display name). */
  name: Schema.optional(Schema.String.pipe(Schema.maxLength(256))),
  email: Schema.optional(EmailAddress)
})
export type Participant = typeof Participant.Type

/** The guest's participation status on a REQUEST (RFC 5545 §3.2.12); a CANCEL carries none. */
export const AttendeeStatus = Schema.Literal("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE")
export type AttendeeStatus = typeof AttendeeStatus.Type

/** An absolute http(s) URL (a join link, the booking page). */
export const WebUrl = Schema.String.pipe(
  Schema.maxLength(2048),
  Schema.filter((s) => {
    try {
      const url = new URL(s)
      return url.protocol === "https:" || url.protocol === "http:" || "must be an http(s) URL"
    } catch {
      return "must be an absolute URL"
    }
  }),
  Schema.annotations({ identifier: "WebUrl" })
)

export const Invitation = Schema.Struct({
  bookingId: BookingId,
  sequence: Schema.NonNegativeInt,
  method: InvitationMethod,
  startAt: EpochMillis,
  endAt: EpochMillis,
  /** The host's zone: named in the file (X-WR-TIMEZONE); the times themselves are UTC. */
  hostTz: IanaZone,
  summary: Schema.String.pipe(Schema.maxLength(512)),
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(8192))),
  /** LOCATION: a place, or the join link of an online meeting. */
  location: Schema.optional(Schema.String.pipe(Schema.maxLength(1024))),
  /** URL: where the meeting is seen in the web app (RFC 5545 §3.8.4.6). */
  url: Schema.optional(WebUrl),
  /** The online meeting the host's calendar made: its join link also as X-GOOGLE-CONFERENCE / X-MICROSOFT-SKYPETEAMSMEETINGURL. */
  conference: Schema.optional(Conference),
  /** The guest's PARTSTAT on a REQUEST; NEEDS-ACTION when absent, so calendar apps offer to accept it. */
  attendeeStatus: Schema.optional(AttendeeStatus),
  /** The host. */
  organizer: Participant,
  /** The guest. */
  attendee: Participant,
  /** DTSTAMP: when this version of the invitation was made. */
  stampedAt: EpochMillis
}).pipe(Schema.filter((i) => i.endAt > i.startAt || "endAt must be after startAt"))
export type Invitation = typeof Invitation.Type

/** The stable UID of a booking's event: every version (reschedule, cancel) carries the same one. */
export const bookingUid = (bookingId: string): string => `${bookingId}@overlap.app`

/** Where version `sequence` of a booking's invitation is stored in R2. */
export const icsKey = (bookingId: string, sequence: number): string => `ics/${bookingId}/${sequence}.ics`

/**
 * The calendar user address of a participant (see Participant). With an e-mail address it is `mailto:`, the
 * only kind iMIP (RFC 6047) can route and calendar apps (Gmail, Outlook, Apple) treat as an invitation.
 */
export const calendarAddress = (p: Participant): string => (p.email !== undefined ? `mailto:${p.email}` : p.did)
