import { EmailMessage } from "cloudflare:email"
import { Effect, Layer, Option } from "effect"
import { buildInvitationEmail, messageIdFor } from "../../domain/notify/email"
import { messageText, subjectFor } from "../../domain/notify/render"
import type { EmailTask } from "../../domain/notify/task"
import { IcsStore } from "../../services/IcsStore"
import { EmailChannel, SendFailed } from "../../services/NotifyChannels"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * E-mail through the `EMAIL` send_email binding from `EMAIL_FROM` (an address on a domain with Cloudflare
 * Email Routing). The invitation version named by the event is read from R2 and attached. A missing
 * invitation is retried (the producer writes it before it enqueues, so it is at most late).
 */
export const EmailChannelLive: Layer.Layer<EmailChannel, never, CloudflareEnv | IcsStore> = Layer.effect(
  EmailChannel,
  Effect.gen(function*() {
    const env = yield* CloudflareEnv
    const ics = yield* IcsStore

    const send = (task: EmailTask) =>
      Effect.gen(function*() {
        const from = env.EMAIL_FROM
        if (from === undefined || from === "" || env.EMAIL === undefined) {
          return yield* new SendFailed({ reason: "email: EMAIL binding or EMAIL_FROM is not configured", retryable: false })
        }
        const key = task.event.icsKey
        const invitation = key === null ? Option.none() : yield* ics.get(key).pipe(
          Effect.mapError((e) => new SendFailed({ reason: `email: reading ${e.key}: ${e.operation} failed`, retryable: true })),
          Effect.filterOrFail(Option.isSome, () => new SendFailed({ reason: `email: no invitation at ${key}`, retryable: true }))
        )
        const raw = buildInvitationEmail({
          from,
          fromName: env.EMAIL_FROM_NAME || "Overlap",
          to: task.target,
          subject: subjectFor(task.event),
          text: messageText(task.event, task.recipientDid),
          messageId: messageIdFor(task.id, task.target),
          invitation: Option.getOrUndefined(Option.map(invitation, (i) => ({ ics: i.ics, method: i.method })))
        })
        yield* Effect.tryPromise({
          try: () => env.EMAIL.send(new EmailMessage(from, task.target, raw)),
          catch: (cause) =>
            new SendFailed({ reason: `email: ${cause instanceof Error ? cause.message : String(cause)}`, retryable: true })
        })
        return "sent" as const
      })

    return EmailChannel.of({ send })
  })
)
