import { Schema } from "effect"
import { Did, EpochMillis } from "../identifiers"
import { BookingId, EmailAddress, IanaZone, WebUrl } from "../invitation/invitation"
import { ConferenceProvider } from "../booking/meetingPlace"

/**
 * The messages of the `notify-tasks` queue. A producer fans a notification out into one task per
 * (notification id, channel, target) when it enqueues (plan.ts), so every delivery is retried, dead-lettered
 * and deduplicated on its own: a webhook endpoint that keeps failing never holds back the e-mail.
 */

export const Channel = Schema.Literal("email", "webhook", "dm")
export type Channel = typeof Channel.Type

/** Unique per notification (e.g. `<bookingId>:<sequence>:<type>`, see notificationIdFor); also the webhook-id. */
export const NotificationId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._~:-]{1,128}$/),
  Schema.annotations({ identifier: "NotificationId" })
)

export const BookingEventType = Schema.Literal(
  "booking.held",
  "booking.expired",
  "booking.confirmed",
  "booking.rescheduled",
  "booking.canceled",
  "booking.declined",
  "booking.reminder",
  "booking.reschedule_proposed",
  "booking.reschedule_declined"
)
export type BookingEventType = typeof BookingEventType.Type

/** What happened to a booking, as both participants may know it (exact times are theirs to see). */
export const BookingEvent = Schema.Struct({
  type: BookingEventType,
  bookingId: BookingId,
  /** The booking's ICS SEQUENCE after the change. */
  sequence: Schema.NonNegativeInt,
  hostDid: Did,
  guestDid: Did,
  startAt: EpochMillis,
  endAt: EpochMillis,
  /** The host's zone: times in messages are shown in it. */
  tz: IanaZone,
  /** Why it was canceled or declined, as the actor wrote it. */
  reason: Schema.optional(Schema.String.pipe(Schema.maxLength(3000))),
  /** R2 key of the invitation version this event produced (`ics/<bookingId>/<sequence>.ics`); null for a decline. */
  icsKey: Schema.NullOr(Schema.String.pipe(Schema.maxLength(200))),
  /** When the transition happened: the invitation's DTSTAMP (a redelivery renders the same file). */
  at: Schema.optional(EpochMillis),
  /** What the meeting is called (the host's event type), shown in subjects and as the invitation's SUMMARY. */
  title: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  /** Where it happens: a place, or a join link (LOCATION). */
  location: Schema.optional(Schema.String.pipe(Schema.maxLength(1024))),
  /** The online meeting's join link, when there is one. */
  joinUrl: Schema.optional(WebUrl),
  /** Which provider made `joinUrl` at confirmation (a Google Meet or Teams meeting); absent for a fixed link. */
  conferenceProvider: Schema.optional(ConferenceProvider),
  /** How each person is named to the other (handle or display name); the DID is shown when absent. */
  hostName: Schema.optional(Schema.String.pipe(Schema.maxLength(256))),
  guestName: Schema.optional(Schema.String.pipe(Schema.maxLength(256))),
  /** On a reminder: how long before the start it is sent. */
  minutesBefore: Schema.optional(Schema.Int.pipe(Schema.between(1, 10080))),
  /**
   * On a guest's proposal (booking.reschedule_proposed): the new time the host is asked to accept; on its answer
   * (booking.reschedule_declined, to the guest): the time the host did not take.
   */
  proposedStartAt: Schema.optional(EpochMillis),
  proposedEndAt: Schema.optional(EpochMillis)
})
export type BookingEvent = typeof BookingEvent.Type

/**
 * A connector of the recipient stopped working (issue 6; from a `connector-broken` notice). `icsKey` is
 * always null: a notice carries no invitation. Nothing here is a token or a provider's error body.
 */
export const ConnectorBrokenEvent = Schema.Struct({
  type: Schema.Literal("connector.broken"),
  connectorId: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._~:-]{1,128}$/)),
  provider: Schema.Literal("google", "microsoft", "caldav"),
  /** Short and ours (e.g. "invalid_grant"). */
  reason: Schema.String.pipe(Schema.maxLength(200)),
  at: EpochMillis,
  icsKey: Schema.Null
})
export type ConnectorBrokenEvent = typeof ConnectorBrokenEvent.Type

/**
 * A held booking was released because its time became busy on one participant's calendar (issue 6; from a
 * `hold-conflict-released` notice). Carries the booking's own slot, never the busy interval nor whose
 * calendar it was. `icsKey` is always null.
 */
export const HoldReleasedEvent = Schema.Struct({
  type: Schema.Literal("booking.hold_released"),
  bookingId: BookingId,
  hostDid: Did,
  guestDid: Did,
  startAt: EpochMillis,
  endAt: EpochMillis,
  icsKey: Schema.Null
})
export type HoldReleasedEvent = typeof HoldReleasedEvent.Type

/**
 * A person entered an e-mail address: the message with the signed link that verifies it goes to that (still
 * unverified) address, and only there. `icsKey` is always null.
 */
export const VerifyEmailEvent = Schema.Struct({
  type: Schema.Literal("email.verify"),
  at: EpochMillis,
  icsKey: Schema.Null
})
export type VerifyEmailEvent = typeof VerifyEmailEvent.Type

/** Everything a delivery can be about: a booking event, one of the connectors' notices, an address to verify. */
export const NotifyEvent = Schema.Union(BookingEvent, ConnectorBrokenEvent, HoldReleasedEvent, VerifyEmailEvent)
export type NotifyEvent = typeof NotifyEvent.Type

const common = {
  id: NotificationId,
  /** Whom the delivery is for (the host or the guest of the booking, the owner of the connector). */
  recipientDid: Did,
  event: NotifyEvent
}

/**
 * E-mail through the send_email binding, with the invitation attached. `target` is the recipient's DID (the
 * sender looks up their verified, sealed address when it sends, and skips it when there is none or they
 * turned this kind off), or an explicit address a caller supplied.
 */
export const EmailTask = Schema.Struct({ channel: Schema.Literal("email"), target: Schema.Union(Did, EmailAddress), ...common })
export type EmailTask = typeof EmailTask.Type

/** A Standard Webhooks POST; `target` is the subscription id (its URL and secret are looked up at send time). */
export const WebhookTask = Schema.Struct({
  channel: Schema.Literal("webhook"),
  target: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/)),
  ...common
})
export type WebhookTask = typeof WebhookTask.Type

/** A Bluesky DM from the configured sender account; `target` is the recipient's DID. */
export const DmTask = Schema.Struct({ channel: Schema.Literal("dm"), target: Did, ...common })
export type DmTask = typeof DmTask.Type

export const NotifyTask = Schema.Union(EmailTask, WebhookTask, DmTask)
export type NotifyTask = typeof NotifyTask.Type

/** The dedupe key of a delivery. */
export interface DeliveryKey {
  readonly notificationId: string
  readonly channel: Channel
  readonly target: string
}

export const deliveryKeyOf = (task: NotifyTask): DeliveryKey => ({
  notificationId: task.id,
  channel: task.channel,
  target: task.target
})

/** One notification id per booking event: a redelivered or re-enqueued event maps to the same deliveries. */
export const notificationIdFor = (event: Pick<BookingEvent, "bookingId" | "sequence" | "type">): string =>
  `${event.bookingId}:${event.sequence}:${event.type}`
