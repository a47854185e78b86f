import { Schema } from "effect"
import { Did } from "../identifiers"
import { EmailAddress } from "../invitation/invitation"
import type { ConnectorNotice } from "../calendar/connectorNotice"
import { BookingEvent, BookingEventType, NotificationId, type NotifyEvent, type NotifyTask } from "./task"

/** One participant to tell, and how they want to hear. Webhooks go to every active subscription of the DID. */
export const Recipient = Schema.Struct({
  did: Did,
  email: Schema.optional(EmailAddress),
  dm: Schema.optional(Schema.Boolean)
})
export type Recipient = typeof Recipient.Type

/** What a producer (the booking state machine) hands over: one event, up to both participants. */
export const Notification = Schema.Struct({
  id: NotificationId,
  event: BookingEvent,
  recipients: Schema.Array(Recipient).pipe(Schema.maxItems(2))
})
export type Notification = typeof Notification.Type

/** What planTasks fans out: a Notification, or the same made from a connector notice (planNotice). */
export interface Plannable {
  readonly id: string
  readonly event: NotifyEvent
  readonly recipients: ReadonlyArray<Recipient>
}

/**
 * The notify-tasks messages of a notification: one per (channel, target), so each is retried and
 * deduplicated on its own. `subscriptionsOf` gives the active webhook subscription ids of a DID.
 */
export const planTasks = (
  notification: Plannable,
  subscriptionsOf: (did: string) => ReadonlyArray<string>
): ReadonlyArray<NotifyTask> =>
  notification.recipients.flatMap((r): Array<NotifyTask> => {
    const common = { id: notification.id, recipientDid: r.did, event: notification.event }
    // A booking event reaches each person by their own settings: an e-mail task and a DM task by DID, which
    // the sender resolves (verified address, opt-in, preferences) when it sends, and skips otherwise.
    const personal = isBookingEvent(notification.event)
    const email = r.email ?? (personal ? r.did : undefined)
    return [
      ...(email !== undefined ? [{ channel: "email" as const, target: email, ...common }] : []),
      ...subscriptionsOf(r.did).map((id) => ({ channel: "webhook" as const, target: id, ...common })),
      ...(r.dm === true || (personal && r.dm === undefined) ? [{ channel: "dm" as const, target: r.did, ...common }] : [])
    ]
  })

const bookingTypes: ReadonlySet<string> = new Set(BookingEventType.literals)

/** A booking's own lifecycle event (not a connector notice). */
export const isBookingEvent = (event: NotifyEvent): event is BookingEvent => bookingTypes.has(event.type)

/** The event a connector notice tells its recipients about. */
export const noticeEvent = (notice: ConnectorNotice): NotifyEvent =>
  notice.kind === "connector-broken"
    ? {
      type: "connector.broken",
      connectorId: notice.connectorId,
      provider: notice.provider,
      reason: notice.reason,
      at: notice.at,
      icsKey: null
    }
    : {
      type: "booking.hold_released",
      bookingId: notice.bookingId,
      hostDid: notice.hostDid,
      guestDid: notice.guestDid,
      startAt: notice.startAt,
      endAt: notice.endAt,
      icsKey: null
    }

/**
 * The deliveries of a connector notice (issue 6), planned by the notify consumer when the notice arrives: per
 * distinct recipient, every active webhook subscription; a DM to their DID when `dm` (the notify worker has a
 * DM sender); an e-mail only when the notice carries an address for them (nothing stores one today, so in
 * practice none). The notice id is the notification id: redelivered notices map to the same deliveries.
 */
export const planNotice = (
  notice: ConnectorNotice,
  subscriptionsOf: (did: string) => ReadonlyArray<string>,
  options: { readonly dm: boolean }
): ReadonlyArray<NotifyTask> =>
  planTasks({
    id: notice.id,
    event: noticeEvent(notice),
    recipients: [...new Set(notice.recipients)].map((did): Recipient => {
      const email = notice.emails?.[did]
      return { did, ...(email !== undefined ? { email } : {}), ...(options.dm ? { dm: true } : {}) }
    })
  }, subscriptionsOf)
