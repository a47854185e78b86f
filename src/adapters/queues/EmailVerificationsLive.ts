import { Clock, Effect, Layer } from "effect"
import type { EmailTask } from "../../domain/notify/task"
import { EmailVerifications, VerificationNotQueued } from "../../services/EmailVerifications"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/** EmailVerifications over the `NOTIFY_TASKS` queue: one e-mail task to the person's DID, event `email.verify`. */
export const EmailVerificationsLive: Layer.Layer<EmailVerifications, never, CloudflareEnv> = Layer.effect(
  EmailVerifications,
  Effect.map(CloudflareEnv, ({ NOTIFY_TASKS }) =>
    EmailVerifications.of({
      request: (did) =>
        Effect.gen(function*() {
          const at = yield* Clock.currentTimeMillis
          // a fresh id per request: asking again sends a new link (the ledger dedupes only redeliveries)
          const task: EmailTask = {
            channel: "email",
            id: `email.verify:${at}:${crypto.randomUUID()}`,
            target: did,
            recipientDid: did,
            event: { type: "email.verify", at, icsKey: null }
          }
          yield* Effect.tryPromise({
            try: () => NOTIFY_TASKS.send(task, { contentType: "json" }),
            catch: (cause) => new VerificationNotQueued({ cause })
          })
        })
    }))
)
