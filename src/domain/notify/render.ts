import { match } from "ts-pattern"
import type { BookingEvent, NotifyTask } from "./task"

/**
 * What each channel says about a booking event. Times are shown in the host's zone, with the zone named;
 * machine-readable payloads carry UTC instants.
 */

const when = (event: BookingEvent): string => {
  const day = new Intl.DateTimeFormat("en-GB", {
    timeZone: event.tz,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric"
  })
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: event.tz, hour: "2-digit", minute: "2-digit" })
  return `${day.format(event.startAt)}, ${time.format(event.startAt)}–${time.format(event.endAt)} (${event.tz})`
}

export const subjectFor = (event: BookingEvent): string =>
  match(event.type)
    .with("booking.confirmed", () => `Confirmed: meeting on ${when(event)}`)
    .with("booking.rescheduled", () => `Moved: meeting now on ${when(event)}`)
    .with("booking.canceled", () => `Canceled: meeting on ${when(event)}`)
    .with("booking.declined", () => "Declined: your meeting request")
    .exhaustive()

/** The other participant, as the recipient sees them. */
const otherParty = (event: BookingEvent, recipientDid: string): string =>
  recipientDid === event.hostDid ? event.guestDid : event.hostDid

/** Plain text for e-mail bodies and DMs (well under the 1000 graphemes a Bluesky DM allows). */
export const messageText = (event: BookingEvent, recipientDid: string): string => {
  const other = otherParty(event, recipientDid)
  const headline = match(event.type)
    .with("booking.confirmed", () => `Your meeting with ${other} is confirmed: ${when(event)}.`)
    .with("booking.rescheduled", () => `Your meeting with ${other} has moved to ${when(event)}.`)
    .with("booking.canceled", () => `Your meeting with ${other} on ${when(event)} is canceled.`)
    .with("booking.declined", () => `Your meeting request to ${other} was declined.`)
    .exhaustive()
  const reason = event.reason !== undefined && event.reason.trim() !== "" ? `\nReason: ${event.reason.slice(0, 500)}` : ""
  return `${headline}${reason}\nOverlap booking ${event.bookingId}`
}

/** The Standard Webhooks payload shape: `{ type, timestamp, data }`. */
export interface WebhookPayload {
  readonly type: BookingEvent["type"]
  readonly timestamp: string
  readonly data: {
    readonly notificationId: string
    readonly recipientDid: string
    readonly bookingId: string
    readonly sequence: number
    readonly hostDid: string
    readonly guestDid: string
    readonly start: string
    readonly end: string
    readonly tz: string
    readonly reason?: string
  }
}

export const webhookPayload = (task: NotifyTask, now: number): WebhookPayload => ({
  type: task.event.type,
  timestamp: new Date(now).toISOString(),
  data: {
    notificationId: task.id,
    recipientDid: task.recipientDid,
    bookingId: task.event.bookingId,
    sequence: task.event.sequence,
    hostDid: task.event.hostDid,
    guestDid: task.event.guestDid,
    start: new Date(task.event.startAt).toISOString(),
    end: new Date(task.event.endAt).toISOString(),
    tz: task.event.tz,
    ...(task.event.reason !== undefined ? { reason: task.event.reason } : {})
  }
})
