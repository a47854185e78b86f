import { Schema } from "effect"
import type { EventLocation } from "../eventTypes"

/**
 * Where a booked meeting takes place (issue 15 item 5): the event type's `location` (in person, phone, a fixed
 * video link, or a conference made when the meeting is confirmed) and, once made, the conference itself. The
 * calendar events on both sides and the invitation say the same thing: `meetingDetails` is that one text.
 */

/** The online meetings Overlap can have a host's calendar create at confirmation. */
export const ConferenceProvider = Schema.Literal("googleMeet", "microsoftTeams")
export type ConferenceProvider = typeof ConferenceProvider.Type

/** A conference the host's calendar made for the meeting: its join link, and the provider's id for it. */
export const Conference = Schema.Struct({
  provider: ConferenceProvider,
  joinUrl: Schema.String.pipe(Schema.maxLength(2048), Schema.pattern(/^https:\/\//)),
  conferenceId: Schema.optional(Schema.String.pipe(Schema.maxLength(256)))
})
export type Conference = typeof Conference.Type

/** The provider names used in lexicons (`app.overlap.defs#locationConference.provider`). */
const CONFERENCE_NAMES: Record<ConferenceProvider, string> = { googleMeet: "Google Meet", microsoftTeams: "Microsoft Teams" }

/** What one calendar event (or the invitation) says about where the meeting is. Every field optional. */
export const MeetingDetailsSchema = Schema.Struct({
  /** LOCATION / Google `location` / Graph `location.displayName`. */
  location: Schema.optional(Schema.String.pipe(Schema.maxLength(1024))),
  /** A join link (URL in iCalendar). */
  url: Schema.optional(Schema.String.pipe(Schema.maxLength(2048))),
  /** A line or two for the event's description. */
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(4096))),
  /** Host side only: the conference the provider should create for this event (idempotent per booking). */
  createConference: Schema.optional(Schema.Literal("googleMeet", "microsoftTeams", "auto")),
  /** The conference the meeting has (the join link the other side's event and the invitation carry). */
  conference: Schema.optional(Conference)
}).annotations({ identifier: "MeetingDetails" })
export type MeetingDetails = typeof MeetingDetailsSchema.Type

/** What a conference location asks for: "auto" (the host calendar's own), a named provider, or nothing known. */
export const conferenceWanted = (location: EventLocation | undefined): ConferenceProvider | "auto" | undefined => {
  if (location?.$type !== "app.overlap.defs#locationConference") return undefined
  return location.provider === "googleMeet" || location.provider === "microsoftTeams" || location.provider === "auto"
    ? location.provider
    : undefined
}

/** The conference a calendar of `provider` makes for a wish, or undefined when it cannot make that one. */
export const conferenceFor = (
  wanted: ConferenceProvider | "auto" | undefined,
  provider: string
): ConferenceProvider | undefined => {
  const own = provider === "google" ? "googleMeet" : provider === "microsoft" ? "microsoftTeams" : undefined
  if (wanted === undefined || own === undefined) return undefined
  return wanted === "auto" || wanted === own ? own : undefined
}

/**
 * The details every calendar event and the invitation carry for a meeting at `location` with `conference`
 * (when one was made). A conference location whose conference could not be made says so instead of a link.
 */
export const meetingDetails = (location: EventLocation | undefined, conference: Conference | undefined): MeetingDetails => {
  if (conference !== undefined) {
    const name = CONFERENCE_NAMES[conference.provider]
    return { location: `${name}: ${conference.joinUrl}`, url: conference.joinUrl, description: `Join with ${name}: ${conference.joinUrl}`, conference }
  }
  switch (location?.$type) {
    case "app.overlap.defs#locationInPerson":
      return { location: location.address, description: `In person: ${location.address}` }
    case "app.overlap.defs#locationPhone":
      return { location: `Phone: ${location.phone}`, description: `Phone call: ${location.phone}` }
    case "app.overlap.defs#locationVideo":
      return { location: location.url, url: location.url, description: `Video call: ${location.url}` }
    case "app.overlap.defs#locationConference":
      return { description: "Online meeting: the host will send the link." }
    default:
      return {}
  }
}

/** The join link of a meeting, if it has one (a made conference, or a fixed video link). */
export const joinUrlOf = (location: EventLocation | undefined, conference: Conference | undefined): string | undefined =>
  conference?.joinUrl ?? (location?.$type === "app.overlap.defs#locationVideo" ? location.url : undefined)

/** What the stored invitation says about where the meeting is: LOCATION, DESCRIPTION, URL (the join link), the conference. */
export const invitationPlace = (location: EventLocation | undefined, conference: Conference | undefined) => {
  const details = meetingDetails(location, conference)
  return {
    ...(details.location !== undefined ? { location: details.location } : {}),
    ...(details.description !== undefined ? { description: details.description } : {}),
    ...(details.url !== undefined ? { url: details.url } : {}),
    ...(conference !== undefined ? { conference } : {})
  }
}

/** What a booking event (notify-tasks) says about where the meeting is. */
export const eventPlace = (location: EventLocation | undefined, conference: Conference | undefined) => {
  const details = meetingDetails(location, conference)
  const joinUrl = joinUrlOf(location, conference)
  return {
    ...(details.location !== undefined ? { location: details.location } : {}),
    ...(joinUrl !== undefined ? { joinUrl } : {}),
    ...(conference !== undefined ? { conferenceProvider: conference.provider } : {})
  }
}
