import { Schema } from "effect"
import { type Conference, conferenceFor, type MeetingDetails } from "../../../domain/booking/meetingPlace"

/**
 * A Teams meeting for a confirmed hold (issue 15 item 5), as Microsoft Graph documents it: the event's PATCH
 * sets `isOnlineMeeting: true` and `onlineMeetingProvider: "teamsForBusiness"`; the event then carries
 * `onlineMeeting.joinUrl` (and `onlineMeeting.conferenceId`). Where the meeting is goes in `location.displayName`
 * and the event's `body` (plain text). An event that already is an online meeting keeps its meeting.
 */

export const GraphOnlineMeeting = Schema.Struct({
  isOnlineMeeting: Schema.optional(Schema.NullOr(Schema.Boolean)),
  onlineMeeting: Schema.optional(Schema.NullOr(Schema.Struct({
    joinUrl: Schema.optional(Schema.NullOr(Schema.String)),
    conferenceId: Schema.optional(Schema.NullOr(Schema.String))
  })))
})
export type GraphOnlineMeeting = typeof GraphOnlineMeeting.Type

/** Whether a confirm asks this mailbox for a Teams meeting. */
export const wantsTeams = (meeting: MeetingDetails | undefined): boolean =>
  conferenceFor(meeting?.createConference, "microsoft") === "microsoftTeams"

/** The event fields a confirm writes besides `showAs`. */
export const confirmFields = (meeting: MeetingDetails | undefined): Record<string, unknown> =>
  meeting === undefined ? {} : {
    ...(meeting.location !== undefined ? { location: { displayName: meeting.location } } : {}),
    ...(meeting.description !== undefined ? { body: { contentType: "text", content: meeting.description } } : {}),
    ...(wantsTeams(meeting) ? { isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" } : {})
  }

/** The Teams meeting an event carries, if its join link is there. */
export const teamsOf = (event: GraphOnlineMeeting): Conference | undefined => {
  const joinUrl = event.onlineMeeting?.joinUrl
  if (event.isOnlineMeeting === false || typeof joinUrl !== "string" || !joinUrl.startsWith("https://")) return undefined
  const conferenceId = event.onlineMeeting?.conferenceId
  return { provider: "microsoftTeams", joinUrl, ...(typeof conferenceId === "string" ? { conferenceId } : {}) }
}
