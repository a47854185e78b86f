import { Schema } from "effect"
import ICAL from "ical.js"
import { invitationPlace } from "../booking/meetingPlace"
import { bookingPlace } from "../booking/placeColumns"

/** A meeting as the export lists it (a row of the bookings section). */
export const ExportedMeeting = Schema.Struct({
  id: Schema.String,
  host_did: Schema.String,
  guest_did: Schema.String,
  status: Schema.String,
  start_at: Schema.Number,
  end_at: Schema.Number,
  tz: Schema.String,
  sequence: Schema.Number,
  /** JSON as stored (migration 0014): the event type's location, the conference made at confirmation; null: none. */
  location: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  conference: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  /** The event type's name at the match (migration 0023); null: none. */
  title: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
})
export type ExportedMeeting = typeof ExportedMeeting.Type

const STATUS: Readonly<Record<string, string>> = { confirmed: "CONFIRMED", held: "TENTATIVE", pending: "TENTATIVE" }

const utc = (ms: number) => ICAL.Time.fromJSDate(new Date(ms), true)

/**
 * The person's meetings as one iCalendar file (RFC 5545, built with ical.js): one VEVENT per booking, in UTC with
 * the booking's zone noted, canceled / declined / expired ones as STATUS:CANCELLED, and where it takes place as the
 * invitation says it (LOCATION, URL = the join link). UIDs match the invitations' (`<id>@overlap.app`), so a calendar
 * that has the invitation recognizes the event.
 */
export const meetingsCalendar = (meetings: ReadonlyArray<ExportedMeeting>, stampMs: number): string => {
  const calendar = new ICAL.Component(["vcalendar", [], []])
  calendar.updatePropertyWithValue("prodid", "-//Overlap//Overlap Export//EN")
  calendar.updatePropertyWithValue("version", "2.0")
  calendar.updatePropertyWithValue("calscale", "GREGORIAN")
  for (const m of meetings) {
    const event = new ICAL.Component("vevent")
    event.updatePropertyWithValue("uid", `${m.id}@overlap.app`)
    event.updatePropertyWithValue("dtstamp", utc(stampMs))
    event.updatePropertyWithValue("dtstart", utc(m.start_at))
    event.updatePropertyWithValue("dtend", utc(m.end_at))
    event.updatePropertyWithValue("sequence", m.sequence)
    event.updatePropertyWithValue("summary", m.title === null ? "Overlap meeting" : `${m.title} (Overlap)`)
    event.updatePropertyWithValue("status", STATUS[m.status] ?? "CANCELLED")
    const stored = bookingPlace(m)
    const place = invitationPlace(stored.location, stored.conference)
    if (place.location !== undefined) event.updatePropertyWithValue("location", place.location)
    if (place.url !== undefined) event.updatePropertyWithValue("url", place.url)
    const where = place.description === undefined ? "" : ` ${place.description}`
    event.updatePropertyWithValue("description", `Host ${m.host_did}, guest ${m.guest_did}; time zone ${m.tz}; Overlap state ${m.status}.${where}`)
    calendar.addSubcomponent(event)
  }
  return calendar.toString()
}
