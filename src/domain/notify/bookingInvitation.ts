import type { Invitation } from "../invitation/invitation"
import type { BookingEvent } from "./task"

/** A person as the messages about a booking name them: the e-mail address only when verified. */
export interface Person {
  readonly did: string
  readonly name?: string | undefined
  readonly email?: string | undefined
}

export interface MeetingPeople {
  readonly host: Person
  readonly guest: Person
}

/** Who a message is for. */
export type Side = "host" | "guest"

export const sideOf = (event: Pick<BookingEvent, "hostDid">, recipientDid: string): Side =>
  recipientDid === event.hostDid ? "host" : "guest"

/** How a person is named to the other: the name, or the handle-less DID. */
export const displayName = (person: Person): string => person.name ?? person.did

/** What the meeting is called: the host's title, or a plain "Meeting". */
export const meetingTitle = (event: Pick<BookingEvent, "title">): string => event.title ?? "Meeting"

/** The iTIP method a booking event's invitation carries; none for a request, a decline or an expiry. */
export const invitationMethodOf = (event: BookingEvent): "REQUEST" | "CANCEL" | undefined => {
  switch (event.type) {
    case "booking.confirmed":
    case "booking.rescheduled":
      return "REQUEST"
    case "booking.canceled":
      // A held booking that was withdrawn never had an invitation (the producer wrote no file for it).
      return event.icsKey !== null ? "CANCEL" : undefined
    default:
      return undefined
  }
}

/**
 * The invitation one participant receives by e-mail (RFC 6047 iMIP): the host is the ORGANIZER and the guest
 * the ATTENDEE, each by `mailto:` when their address is verified (else by DID), each with their DID in
 * X-OVERLAP-DID; SUMMARY names the meeting and the other person as the recipient sees them; the same UID and
 * SEQUENCE as the stored copy, so an update replaces what the calendar already has. Undefined when the event
 * carries no invitation.
 */
export const bookingInvitation = (
  event: BookingEvent,
  people: MeetingPeople,
  recipient: Side,
  options: { readonly url?: string | undefined; readonly stampedAt: number }
): Invitation | undefined => {
  const method = invitationMethodOf(event)
  if (method === undefined) return undefined
  const other = recipient === "host" ? people.guest : people.host
  const title = meetingTitle(event)
  const where = event.location ?? event.joinUrl
  const description = [
    `${title} between ${displayName(people.host)} and ${displayName(people.guest)}, booked through Overlap.`,
    ...(event.joinUrl !== undefined ? [`Join: ${event.joinUrl}`] : []),
    ...(options.url !== undefined ? [`Manage it in Overlap: ${options.url}`] : [])
  ].join("\n")
  const participant = (p: Person) => ({
    did: p.did,
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.email !== undefined ? { email: p.email } : {})
  })
  return {
    bookingId: event.bookingId,
    sequence: event.sequence,
    method,
    startAt: event.startAt,
    endAt: event.endAt,
    hostTz: event.tz,
    summary: `${title} with ${displayName(other)}`.slice(0, 512),
    description,
    ...(where !== undefined ? { location: where } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(event.joinUrl !== undefined && event.conferenceProvider !== undefined
      ? { conference: { provider: event.conferenceProvider, joinUrl: event.joinUrl } }
      : {}),
    organizer: participant(people.host),
    attendee: participant(people.guest),
    stampedAt: event.at ?? options.stampedAt
  }
}
