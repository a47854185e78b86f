import ICAL from "ical.js"
import { bookingUid, calendarAddress, type Invitation, type Participant } from "./invitation"

export const PRODID = "-//Overlap//Overlap Scheduling//EN"

const utc = (epochMillis: number) => ICAL.Time.fromJSDate(new Date(epochMillis), true)

/** The property a conference's join link is written in, per provider. */
const CONFERENCE_PROPERTY = { googleMeet: "x-google-conference", microsoftTeams: "x-microsoft-skypeteamsmeetingurl" } as const

/** The DID of a participant travels in this parameter whatever the calendar address is (mailto: or the DID). */
export const DID_PARAMETER = "x-overlap-did"

const addParticipant = (event: ICAL.Component, name: "organizer" | "attendee", who: Participant) => {
  const property = event.addPropertyWithValue(name, calendarAddress(who))
  if (who.name !== undefined) property.setParameter("cn", who.name)
  property.setParameter(DID_PARAMETER, who.did)
  return property
}

/**
 * The invitation as an iCalendar object (RFC 5545) carrying an iTIP method (RFC 5546), built with ical.js's
 * component model so that escaping, parameter quoting and line folding are the library's job.
 *
 * Times are UTC (`…Z`); the host's zone is named by `X-WR-TIMEZONE` on the calendar. A TZID'd VTIMEZONE
 * would need tz rules we do not ship, and a UTC instant cannot be misread by a client with different tz
 * data; clients that honour X-WR-TIMEZONE (Google, Apple) display the event in the host's zone.
 */
export const renderInvitation = (invitation: Invitation): string => {
  const calendar = new ICAL.Component(["vcalendar", [], []])
  calendar.addPropertyWithValue("prodid", PRODID)
  calendar.addPropertyWithValue("version", "2.0")
  calendar.addPropertyWithValue("calscale", "GREGORIAN")
  calendar.addPropertyWithValue("method", invitation.method)
  calendar.addPropertyWithValue("x-wr-timezone", invitation.hostTz)

  const event = new ICAL.Component("vevent")
  event.addPropertyWithValue("uid", bookingUid(invitation.bookingId))
  event.addPropertyWithValue("sequence", invitation.sequence)
  event.addPropertyWithValue("x-overlap-host-did", invitation.organizer.did)
  event.addPropertyWithValue("x-overlap-guest-did", invitation.attendee.did)
  event.addPropertyWithValue("dtstamp", utc(invitation.stampedAt))
  event.addPropertyWithValue("dtstart", utc(invitation.startAt))
  event.addPropertyWithValue("dtend", utc(invitation.endAt))
  event.addPropertyWithValue("summary", invitation.summary)
  if (invitation.description !== undefined) event.addPropertyWithValue("description", invitation.description)
  if (invitation.location !== undefined) event.addPropertyWithValue("location", invitation.location)
  if (invitation.url !== undefined) event.addPropertyWithValue("url", invitation.url)
  // The join link where each provider's own calendar apps look for it (Google's export, Outlook's).
  if (invitation.conference !== undefined) event.addPropertyWithValue(CONFERENCE_PROPERTY[invitation.conference.provider], invitation.conference.joinUrl)
  addParticipant(event, "organizer", invitation.organizer)
  const attendee = addParticipant(event, "attendee", invitation.attendee)
  attendee.setParameter("cutype", "INDIVIDUAL")
  attendee.setParameter("role", "REQ-PARTICIPANT")
  if (invitation.method === "REQUEST") {
    // NEEDS-ACTION + RSVP=TRUE: the guest's calendar app shows the invitation with its accept buttons and
    // sends the REPLY to the organizer's mailto: address (RFC 5546 §3.2.2, RFC 6047 §3).
    attendee.setParameter("partstat", invitation.attendeeStatus ?? "NEEDS-ACTION")
    attendee.setParameter("rsvp", "TRUE")
  }
  event.addPropertyWithValue("status", invitation.method === "CANCEL" ? "CANCELLED" : "CONFIRMED")
  event.addPropertyWithValue("transp", "OPAQUE")
  calendar.addSubcomponent(event)

  // ical.js folds at foldLength octets and then prefixes the continuation with its space, so a continuation
  // line is one octet longer than foldLength: 74 keeps every line within RFC 5545 §3.1's 75 octets.
  const foldLength = ICAL.foldLength
  ICAL.foldLength = 74
  try {
    // ical.js ends the last content line without its CRLF; RFC 5545 §3.1 wants every line terminated.
    return `${calendar.toString()}\r\n`
  } finally {
    ICAL.foldLength = foldLength
  }
}

/** The iTIP method a stored invitation carries, read back with the same library; undefined when absent or unknown. */
export const methodOf = (ics: string): "REQUEST" | "CANCEL" | undefined => {
  try {
    const method = new ICAL.Component(ICAL.parse(ics)).getFirstPropertyValue("method")
    return method === "REQUEST" || method === "CANCEL" ? method : undefined
  } catch {
    return undefined
  }
}
