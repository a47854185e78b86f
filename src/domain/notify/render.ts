import { match } from "ts-pattern"
import type { BookingEvent, ConnectorBrokenEvent, HoldReleasedEvent, NotifyEvent, NotifyTask, VerifyEmailEvent } from "./task"

/**
 * What each channel says about an event. Times are shown in the host's zone, with the zone named (UTC for
 * a released hold, whose notice carries no zone); machine-readable payloads carry UTC instants.
 */

const when = (startAt: number, endAt: number, tz: string): string => {
  const day = new Intl.DateTimeFormat("en-GB", {
    timeZone: tz,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric"
  })
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit" })
  return `${day.format(startAt)}, ${time.format(startAt)}–${time.format(endAt)} (${tz})`
}

const bookingWhen = (event: BookingEvent): string => when(event.startAt, event.endAt, event.tz)
const holdWhen = (event: HoldReleasedEvent): string => when(event.startAt, event.endAt, "UTC")

const providerName = (provider: ConnectorBrokenEvent["provider"]): string =>
  match(provider)
    .with("google", () => "Google")
    .with("microsoft", () => "Microsoft")
    .with("caldav", () => "CalDAV")
    .exhaustive()

const bookingSubject = (event: BookingEvent): string =>
  match(event.type)
    .with("booking.held", () => `Request: a meeting on ${bookingWhen(event)}`)
    .with("booking.expired", () => `Expired: the meeting request for ${bookingWhen(event)}`)
    .with("booking.confirmed", () => `Confirmed: meeting on ${bookingWhen(event)}`)
    .with("booking.rescheduled", () => `Moved: meeting now on ${bookingWhen(event)}`)
    .with("booking.canceled", () => `Canceled: meeting on ${bookingWhen(event)}`)
    .with("booking.declined", () => "Declined: your meeting request")
    .with("booking.reminder", () => `Reminder: meeting on ${bookingWhen(event)}`)
    .with("booking.reschedule_proposed", () => `Move request: meeting on ${bookingWhen(event)}`)
    .with("booking.reschedule_declined", () => `Not moved: meeting stays on ${bookingWhen(event)}`)
    .exhaustive()

export const subjectFor = (event: NotifyEvent): string => {
  switch (event.type) {
    case "connector.broken":
      return `Action needed: reconnect your ${providerName(event.provider)} calendar`
    case "booking.hold_released":
      return `Released: the hold on your meeting on ${holdWhen(event)}`
    case "email.verify":
      return "Confirm your e-mail address for Overlap"
    default:
      return bookingSubject(event)
  }
}

/** The other participant, as the recipient sees them: their name when the event carries one, else their DID. */
export const otherParty = (
  event: { readonly hostDid: string; readonly guestDid: string; readonly hostName?: string | undefined; readonly guestName?: string | undefined },
  recipientDid: string
): string =>
  recipientDid === event.hostDid ? event.guestName ?? event.guestDid : event.hostName ?? event.hostDid

const bookingText = (event: BookingEvent, recipientDid: string): string => {
  const other = otherParty(event, recipientDid)
  const headline = match(event.type)
    .with("booking.held", () =>
      recipientDid === event.hostDid
        ? `${other} asks to meet on ${bookingWhen(event)}: confirm or decline it in Overlap.`
        : `Your request to meet ${other} on ${bookingWhen(event)} is waiting for them to confirm.`)
    .with("booking.expired", () => `The meeting request between you and ${other} for ${bookingWhen(event)} expired unconfirmed.`)
    .with("booking.confirmed", () => `Your meeting with ${other} is confirmed: ${bookingWhen(event)}.`)
    .with("booking.rescheduled", () => `Your meeting with ${other} has moved to ${bookingWhen(event)}.`)
    .with("booking.canceled", () => `Your meeting with ${other} on ${bookingWhen(event)} is canceled.`)
    .with("booking.declined", () => `Your meeting request to ${other} was declined.`)
    .with("booking.reminder", () => `Reminder: your meeting with ${other} is on ${bookingWhen(event)}.`)
    .with("booking.reschedule_proposed", () =>
      `${other} asks to move your meeting on ${bookingWhen(event)}` +
      (event.proposedStartAt !== undefined && event.proposedEndAt !== undefined
        ? ` to ${when(event.proposedStartAt, event.proposedEndAt, event.tz)}: accept or keep the time in Overlap.`
        : ": accept or keep the time in Overlap."))
    .with("booking.reschedule_declined", () =>
      `${other} kept your meeting on ${bookingWhen(event)} at its time` +
      (event.proposedStartAt !== undefined && event.proposedEndAt !== undefined
        ? `: the new time you proposed, ${when(event.proposedStartAt, event.proposedEndAt, event.tz)}, was not taken.`
        : ": the new time you proposed was not taken."))
    .exhaustive()
  const reason = event.reason !== undefined && event.reason.trim() !== "" ? `\nReason: ${event.reason.slice(0, 500)}` : ""
  return `${headline}${reason}\nOverlap booking ${event.bookingId}`
}

/**
 * Plain text for e-mail bodies and DMs (well under the 1000 graphemes a Bluesky DM allows). A released hold
 * names the booking and its own slot, says that the time became busy on a calendar, and never says which
 * calendar nor what the busy time was.
 */
export const messageText = (event: NotifyEvent, recipientDid: string): string => {
  switch (event.type) {
    case "connector.broken":
      return `Your ${providerName(event.provider)} calendar connection stopped working — reconnect it in Overlap; ` +
        `until then Overlap will not book time with you.`
    case "booking.hold_released":
      return `The hold on your meeting with ${otherParty(event, recipientDid)} on ${holdWhen(event)} was released: ` +
        `that time became busy on a calendar, so the meeting was not booked.\nOverlap booking ${event.bookingId}`
    case "email.verify":
      return "Confirm this e-mail address in Overlap: open the link in the e-mail we sent to it."
    default:
      return bookingText(event, recipientDid)
  }
}

interface PayloadCommon {
  readonly timestamp: string
}

/** The Standard Webhooks payload shape: `{ type, timestamp, data }`, one `data` shape per `type`. */
export type WebhookPayload =
  | PayloadCommon & {
    readonly type: BookingEvent["type"]
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
  | PayloadCommon & {
    readonly type: ConnectorBrokenEvent["type"]
    readonly data: {
      readonly notificationId: string
      readonly recipientDid: string
      readonly connectorId: string
      readonly provider: ConnectorBrokenEvent["provider"]
      readonly reason: string
      readonly at: string
    }
  }
  | PayloadCommon & {
    readonly type: VerifyEmailEvent["type"]
    readonly data: { readonly notificationId: string; readonly recipientDid: string }
  }
  | PayloadCommon & {
    readonly type: HoldReleasedEvent["type"]
    readonly data: {
      readonly notificationId: string
      readonly recipientDid: string
      readonly bookingId: string
      readonly hostDid: string
      readonly guestDid: string
      readonly start: string
      readonly end: string
    }
  }

export const webhookPayload = (task: NotifyTask, now: number): WebhookPayload => {
  const timestamp = new Date(now).toISOString()
  const base = { notificationId: task.id, recipientDid: task.recipientDid }
  const event = task.event
  switch (event.type) {
    case "email.verify":
      return { type: event.type, timestamp, data: base }
    case "connector.broken":
      return {
        type: event.type,
        timestamp,
        data: { ...base, connectorId: event.connectorId, provider: event.provider, reason: event.reason, at: new Date(event.at).toISOString() }
      }
    case "booking.hold_released":
      return {
        type: event.type,
        timestamp,
        data: {
          ...base,
          bookingId: event.bookingId,
          hostDid: event.hostDid,
          guestDid: event.guestDid,
          start: new Date(event.startAt).toISOString(),
          end: new Date(event.endAt).toISOString()
        }
      }
    default:
      return {
        type: event.type,
        timestamp,
        data: {
          ...base,
          bookingId: event.bookingId,
          sequence: event.sequence,
          hostDid: event.hostDid,
          guestDid: event.guestDid,
          start: new Date(event.startAt).toISOString(),
          end: new Date(event.endAt).toISOString(),
          tz: event.tz,
          ...(event.reason !== undefined ? { reason: event.reason } : {})
        }
      }
  }
}

/** The links a DM about a booking carries (the e-mail's, without unsubscribe). */
export interface DmLinks {
  readonly view: string
  readonly confirm?: string | undefined
  readonly decline?: string | undefined
  readonly acceptMove?: string | undefined
  readonly keepTime?: string | undefined
  readonly reschedule?: string | undefined
  readonly cancel?: string | undefined
}

/**
 * A Bluesky DM allows 1000 graphemes, and a signed link is about 300 characters: the links that act go first
 * (confirm / decline, accept / keep a proposed time), then the meeting's page, then cancel and move; whatever
 * would not fit is left out (the meeting's page offers every action).
 */
export const DM_MAX_CHARS = 1000

/** The DM about a booking event: its plain text, then the recipient's one-click links, as many as fit. */
export const dmText = (event: BookingEvent, recipientDid: string, links: DmLinks): string => {
  const lines = [
    ...(links.confirm !== undefined ? [`Confirm: ${links.confirm}`] : []),
    ...(links.decline !== undefined ? [`Decline: ${links.decline}`] : []),
    ...(links.acceptMove !== undefined ? [`Accept the new time: ${links.acceptMove}`] : []),
    ...(links.keepTime !== undefined ? [`Keep the current time: ${links.keepTime}`] : []),
    `Open it in Overlap: ${links.view}`,
    ...(links.cancel !== undefined ? [`Cancel it: ${links.cancel}`] : []),
    ...(links.reschedule !== undefined ? [`Move it: ${links.reschedule}`] : [])
  ]
  let text = `${bookingText(event, recipientDid)}\n`
  for (const line of lines) {
    const next = `${text}\n${line}`
    if ([...next].length > DM_MAX_CHARS) continue
    text = next
  }
  return text.trimEnd()
}
