import { Schema } from "effect"
import { type Conference, conferenceFor, type MeetingDetails } from "../../../domain/booking/meetingPlace"

/**
 * Google Meet for a confirmed hold (issue 15 item 5), as the Calendar API documents it: the event's PATCH
 * carries `conferenceData.createRequest` (a `requestId` unique per booking, `conferenceSolutionKey.type:
 * "hangoutsMeet"`) and the query `conferenceDataVersion=1`, without which Google ignores conference data.
 * Creation is asynchronous: the answer's `createRequest.status.statusCode` is "pending" until the conference
 * exists ("success": `entryPoints` and `hangoutLink` are there; "failure": none will be). The same
 * `requestId` on a retry never makes a second conference.
 */

export const GoogleConferenceData = Schema.Struct({
  conferenceId: Schema.optional(Schema.String),
  createRequest: Schema.optional(Schema.Struct({
    requestId: Schema.optional(Schema.String),
    status: Schema.optional(Schema.Struct({ statusCode: Schema.String }))
  })),
  entryPoints: Schema.optional(Schema.Array(Schema.Struct({ entryPointType: Schema.String, uri: Schema.String })))
})
export type GoogleConferenceData = typeof GoogleConferenceData.Type

/** The PATCH query that lets an event's conference data be written. */
export const CONFERENCE_DATA_VERSION = "&conferenceDataVersion=1"

/** Where the meeting is, in the event's own fields; a Meet create request when one is wanted and none exists yet. */
export const confirmFields = (
  eventId: string,
  meeting: MeetingDetails,
  existing: GoogleConferenceData | undefined
): Record<string, unknown> => {
  const wantsMeet = conferenceFor(meeting.createConference, "google") === "googleMeet" && existing === undefined
  return {
    ...(meeting.location !== undefined ? { location: meeting.location } : {}),
    ...(meeting.description !== undefined ? { description: meeting.description } : {}),
    ...(wantsMeet
      ? { conferenceData: { createRequest: { requestId: `overlap-${eventId}`, conferenceSolutionKey: { type: "hangoutsMeet" } } } }
      : {})
  }
}

/** What the event's conference data says now: made (its link), still pending, or none / failed. */
export const meetOf = (
  data: GoogleConferenceData | undefined,
  hangoutLink: string | undefined
): { readonly _tag: "made"; readonly conference: Conference } | { readonly _tag: "pending" } | { readonly _tag: "none" } => {
  if (data === undefined) return { _tag: "none" }
  const status = data.createRequest?.status?.statusCode
  if (status === "pending") return { _tag: "pending" }
  if (status === "failure") return { _tag: "none" }
  const video = data.entryPoints?.find((e) => e.entryPointType === "video")?.uri ?? hangoutLink
  if (video === undefined || !video.startsWith("https://")) return { _tag: "none" }
  return { _tag: "made", conference: { provider: "googleMeet", joinUrl: video, ...(data.conferenceId !== undefined ? { conferenceId: data.conferenceId } : {}) } }
}
