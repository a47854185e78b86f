import { EmailMessage } from "cloudflare:email"
import { Clock, Effect, Layer, Schema } from "effect"
import { Did } from "../../domain/identifiers"
import { renderInvitation } from "../../domain/invitation"
import { bookingPage } from "../../domain/notify/actionLink"
import { bookingInvitation, type MeetingPeople, sideOf } from "../../domain/notify/bookingInvitation"
import { bookingBody, bookingSubject } from "../../domain/notify/bookingMail"
import { buildNotificationEmail, messageIdFor } from "../../domain/notify/email"
import { isBookingEvent } from "../../domain/notify/plan"
import { wants } from "../../domain/notify/preferences"
import { messageText, subjectFor } from "../../domain/notify/render"
import type { EmailTask } from "../../domain/notify/task"
import { ActionLinks } from "../../services/ActionLinks"
import { EmailChannel, SendFailed, type SendResult } from "../../services/NotifyChannels"
import { NotifySettings } from "../../services/NotifySettings"
import type { RepositoryError } from "../../services/RepositoryError"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { bookingLinks } from "./bookingLinks"

const isDid = Schema.is(Did)

const unavailable = (what: string) => (error: RepositoryError) =>
  new SendFailed({ reason: `email: ${what}: ${error.operation} failed`, retryable: true })

/**
 * E-mail through the `EMAIL` send_email binding from `EMAIL_FROM` (an address on a domain with Cloudflare
 * Email Routing).
 *
 * A task's target is a person (their DID): their address is read from NotifySettings when the mail is sent,
 * and the mail is skipped when they have no verified address or turned this kind of message off. (A target
 * that is an address is a caller's explicit choice and is used as it is.) A booking mail is written for its
 * recipient: both people's local times, where it is, signed one-click links (view; confirm / decline for the
 * host of a request; move / cancel for either of a meeting that is on), a one-click unsubscribe, and for a
 * confirmed, moved or canceled meeting the iMIP invitation (domain/notify/bookingInvitation.ts) with both
 * people by their verified `mailto:` addresses. An address-verification mail goes to the unverified address.
 */
export const EmailChannelLive: Layer.Layer<EmailChannel, never, CloudflareEnv | NotifySettings | ActionLinks> = Layer.effect(
  EmailChannel,
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const settings = yield* NotifySettings
    const links = yield* ActionLinks
    const origin = env.PUBLIC_URL || "http://localhost:8787"

    const mint = (did: string, action: Parameters<typeof links.mint>[1], claim: Parameters<typeof links.mint>[2]) =>
      links.mint(did, action, claim).pipe(Effect.mapError(unavailable("making a link")))

    const send = (task: EmailTask) =>
      Effect.gen(function*() {
        const from = env.EMAIL_FROM
        if (from === undefined || from === "" || env.EMAIL === undefined) {
          return yield* new SendFailed({ reason: "email: EMAIL binding or EMAIL_FROM is not configured", retryable: false })
        }
        const now = yield* Clock.currentTimeMillis
        const event = task.event
        const byDid = isDid(task.target)
        const mine = byDid ? yield* settings.get(task.target).pipe(Effect.mapError(unavailable("reading the settings"))) : undefined

        const deliver = (to: string, message: Omit<Parameters<typeof buildNotificationEmail>[0], "from" | "fromName" | "to" | "messageId" | "date">) =>
          Effect.tryPromise({
            try: () =>
              env.EMAIL.send(new EmailMessage(from, to, buildNotificationEmail({
                from,
                fromName: env.EMAIL_FROM_NAME || "Overlap",
                to,
                messageId: messageIdFor(task.id, task.target),
                date: "at" in event && event.at !== undefined ? event.at : now,
                ...message
              }))),
            catch: (cause) => new SendFailed({ reason: `email: ${cause instanceof Error ? cause.message : String(cause)}`, retryable: true })
          }).pipe(Effect.as<SendResult>("sent"))

        if (event.type === "email.verify") {
          // The one mail that goes to an address not verified yet: the link that verifies it.
          const pending = mine?.email
          if (pending === undefined || pending.verifiedAt !== null) return "skipped" as const
          const link = yield* mint(task.target, "verify-email", { a: pending.address })
          return yield* deliver(pending.address, {
            subject: subjectFor(event),
            text: `Someone (we hope you) entered this address in Overlap to receive meeting invitations and updates.\n\n` +
              `Confirm it: ${link}\n\nThe link works once and expires in a day. If it was not you, ignore this e-mail: ` +
              `nothing will be sent here.`
          })
        }

        const to = byDid ? mine?.email?.verifiedAt != null ? mine.email.address : undefined : task.target
        if (to === undefined) return "skipped" as const
        if (mine !== undefined && !wants(mine.preferences, "email", event)) return "skipped" as const
        if (!isBookingEvent(event)) return yield* deliver(to, { subject: subjectFor(event), text: messageText(event, task.recipientDid) })

        const side = sideOf(event, task.recipientDid)
        const otherDid = side === "host" ? event.guestDid : event.hostDid
        const other = yield* settings.get(otherDid).pipe(Effect.mapError(unavailable("reading the other person's settings")))
        const verified = (s: typeof other | undefined) => s?.email?.verifiedAt != null ? s.email.address : undefined
        const mineAddress = byDid ? verified(mine) : to
        const people: MeetingPeople = {
          host: { did: event.hostDid, name: event.hostName, email: side === "host" ? mineAddress : verified(other) },
          guest: { did: event.guestDid, name: event.guestName, email: side === "guest" ? mineAddress : verified(other) }
        }
        const zones = {
          host: event.tz,
          guest: side === "guest" ? mine?.preferences.timeZone : other.preferences.timeZone
        }
        const mailLinks = byDid
          ? yield* bookingLinks(links, event, task.recipientDid, { unsubscribe: true })
          : { view: bookingPage(origin, event.bookingId) }
        const invitation = bookingInvitation(event, people, side, { url: bookingPage(origin, event.bookingId), stampedAt: now })
        return yield* deliver(to, {
          subject: bookingSubject(event, people, side, zones),
          text: bookingBody(event, people, side, zones, mailLinks),
          invitation: invitation === undefined ? undefined : { ics: renderInvitation(invitation), method: invitation.method },
          unsubscribeUrl: mailLinks.unsubscribe
        })
      })

    return EmailChannel.of({ send })
  })
)
