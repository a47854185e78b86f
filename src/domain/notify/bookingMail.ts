import { match } from "ts-pattern"
import { displayName, meetingTitle, type MeetingPeople, type Side } from "./bookingInvitation"
import type { BookingEvent } from "./task"

/**
 * The plain-language e-mail about a booking event: a subject that says what happened and when, and a body
 * with both people's local times, where it happens, and the one-click links that the recipient may use.
 */

/** Signed, expiring, single-use links into the web app (made by the sender; see domain/notify/actionLink.ts). */
export interface MailLinks {
  readonly view: string
  readonly confirm?: string | undefined
  readonly decline?: string | undefined
  readonly cancel?: string | undefined
  readonly reschedule?: string | undefined
  /** For the host of a guest's proposal: take the proposed time, or keep the meeting's time. */
  readonly acceptMove?: string | undefined
  readonly keepTime?: string | undefined
  /** Turns this kind of message off (also sent as List-Unsubscribe). */
  readonly unsubscribe?: string | undefined
}

/** Each person's zone; the guest's is known only when they set one in their preferences. */
export interface MeetingZones {
  readonly host: string
  readonly guest?: string | undefined
}

/** "Tue 3 Mar 2026, 10:00–10:30 (Europe/Berlin)". */
export const localTime = (startAt: number, endAt: number, tz: string): string => {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone: tz, weekday: "short", day: "numeric", month: "short", year: "numeric" })
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
  return `${day.format(startAt).replace(/,/g, "")}, ${time.format(startAt)}–${time.format(endAt)} (${tz})`
}

/** The recipient's own zone first, then the other person's when it differs. */
const zonesFor = (zones: MeetingZones, recipient: Side): ReadonlyArray<string> => {
  const mine = recipient === "host" ? zones.host : zones.guest ?? zones.host
  const theirs = recipient === "host" ? zones.guest : zones.host
  return theirs !== undefined && theirs !== mine ? [mine, theirs] : [mine]
}

const inAbout = (minutes: number | undefined): string =>
  minutes === undefined
    ? "soon"
    : minutes % 1440 === 0
    ? `in ${minutes / 1440} day${minutes === 1440 ? "" : "s"}`
    : minutes % 60 === 0
    ? `in ${minutes / 60} hour${minutes === 60 ? "" : "s"}`
    : `in ${minutes} minutes`

export const bookingSubject = (event: BookingEvent, people: MeetingPeople, recipient: Side, zones: MeetingZones): string => {
  const other = displayName(recipient === "host" ? people.guest : people.host)
  const title = meetingTitle(event)
  const when = localTime(event.startAt, event.endAt, zonesFor(zones, recipient)[0]!)
  return match(event.type)
    .with("booking.held", () =>
      recipient === "host" ? `Please confirm: ${title} with ${other}, ${when}` : `Requested: ${title} with ${other}, ${when}`)
    .with("booking.confirmed", () => `Confirmed: ${title} with ${other}, ${when}`)
    .with("booking.rescheduled", () => `Moved: ${title} with ${other}, now ${when}`)
    .with("booking.canceled", () => `Canceled: ${title} with ${other}, ${when}`)
    .with("booking.declined", () => `Declined: ${title} with ${other}`)
    .with("booking.expired", () => `Expired: ${title} with ${other} was not confirmed in time`)
    .with("booking.reminder", () => `Reminder: ${title} with ${other}, ${when}`)
    .with("booking.reschedule_proposed", () => `${other} asks to move ${title}, ${when}`)
    .with("booking.reschedule_declined", () => `Not moved: ${title} with ${other} stays ${when}`)
    .exhaustive()
}

export const bookingBody = (
  event: BookingEvent,
  people: MeetingPeople,
  recipient: Side,
  zones: MeetingZones,
  links: MailLinks
): string => {
  const other = displayName(recipient === "host" ? people.guest : people.host)
  const title = meetingTitle(event)
  const headline = match(event.type)
    .with("booking.held", () =>
      recipient === "host"
        ? `${other} would like to meet you. The time is held on your calendar until you confirm or decline.`
        : `Your request to meet ${other} is waiting for them to confirm.`)
    .with("booking.confirmed", () => `Your meeting with ${other} is confirmed.`)
    .with("booking.rescheduled", () => `Your meeting with ${other} has moved to a new time.`)
    .with("booking.canceled", () => `Your meeting with ${other} is canceled.`)
    .with("booking.declined", () =>
      recipient === "host" ? `You declined the meeting request from ${other}.` : `${other} declined your meeting request.`)
    .with("booking.expired", () => `The meeting request between you and ${other} expired before it was confirmed.`)
    .with("booking.reminder", () => `Your meeting with ${other} starts ${inAbout(event.minutesBefore)}.`)
    .with("booking.reschedule_proposed", () =>
      `${other} asks to move your meeting to a new time. It keeps its time unless you accept the new one.`)
    .with("booking.reschedule_declined", () =>
      `${other} kept your meeting at its time: the new time you proposed was not taken. You can still cancel it, or propose another time.`)
    .exhaustive()
  const times = zonesFor(zones, recipient).map((tz, i) => `${i === 0 ? "When" : "Their time"}: ${localTime(event.startAt, event.endAt, tz)}`)
  const proposed = event.proposedStartAt !== undefined && event.proposedEndAt !== undefined
    ? zonesFor(zones, recipient).map((tz, i) =>
      `${i === 0 ? "Proposed" : "Proposed, their time"}: ${localTime(event.proposedStartAt!, event.proposedEndAt!, tz)}`)
    : []
  const where = [
    ...(event.location !== undefined ? [`Where: ${event.location}`] : []),
    ...(event.joinUrl !== undefined ? [`Join: ${event.joinUrl}`] : [])
  ]
  const reason = event.reason !== undefined && event.reason.trim() !== "" ? [`Reason given: ${event.reason.slice(0, 500)}`] : []
  const actions = [
    ...(links.confirm !== undefined ? [`Confirm: ${links.confirm}`] : []),
    ...(links.decline !== undefined ? [`Decline: ${links.decline}`] : []),
    ...(links.acceptMove !== undefined ? [`Accept the new time: ${links.acceptMove}`] : []),
    ...(links.keepTime !== undefined ? [`Keep the current time: ${links.keepTime}`] : []),
    ...(links.reschedule !== undefined ? [`Move it: ${links.reschedule}`] : []),
    ...(links.cancel !== undefined ? [`Cancel it: ${links.cancel}`] : []),
    `See it in Overlap: ${links.view}`
  ]
  const footer = [
    "",
    "The links work once and expire; after that, open the meeting in Overlap.",
    ...(links.unsubscribe !== undefined ? [`Stop these e-mails: ${links.unsubscribe}`] : [])
  ]
  return [`${title}`, "", headline, "", ...times, ...proposed, ...where, ...reason, "", ...actions, ...footer].join("\n")
}
