import { Schema } from "effect"
import { Did } from "../../services/Columns"
import { EmailAddress } from "../invitation/invitation"
import { BookingEvent, NotificationId, type NotifyTask } from "./task"

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

/**
 * The notify-tasks messages of a notification: one per (channel, target), so each is retried and
 * deduplicated on its own. `subscriptionsOf` gives the active webhook subscription ids of a DID.
 */
export const planTasks = (
  notification: Notification,
  subscriptionsOf: (did: string) => ReadonlyArray<string>
): ReadonlyArray<NotifyTask> =>
  notification.recipients.flatMap((r): Array<NotifyTask> => {
    const common = { id: notification.id, recipientDid: r.did, event: notification.event }
    return [
      ...(r.email !== undefined ? [{ channel: "email" as const, target: r.email, ...common }] : []),
      ...subscriptionsOf(r.did).map((id) => ({ channel: "webhook" as const, target: id, ...common })),
      ...(r.dm === true ? [{ channel: "dm" as const, target: r.did, ...common }] : [])
    ]
  })
