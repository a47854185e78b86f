import { Effect } from "effect"
import type { WebhookCreateSubscriptionInput } from "../../../../lexicon/schemas"
import { CloudflareEnv } from "../../../../platform/CloudflareEnv"
import { createSubscription as create, InvalidWebhookUrl } from "../../../../services/WebhookSubscriptions"
import { Caller } from "../../../xrpc/Caller"

/**
 * app.overlap.webhook.createSubscription: the secret is answered here once. http:, localhost and IP literals are
 * accepted only when ENVIRONMENT is "development" (the local webhook receiver of `npm run dev`).
 *
 * Deliberately not `idempotent`: the idempotency ledger stores the response for 24 h, and this response carries
 * the signing secret, which must exist only as TokenVault ciphertext.
 */
export const createSubscription = ({ payload }: { readonly payload: WebhookCreateSubscriptionInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const env = yield* CloudflareEnv
    const created = yield* create(caller.did, payload.url, { allowInsecure: env.ENVIRONMENT === "development" }).pipe(
      Effect.catchTags({
        // the message names the field it is about
        InvalidWebhookUrl: (error) =>
          Effect.fail(error.message.startsWith("url") ? error : new InvalidWebhookUrl({ message: `url: ${error.message}` })),
        // vault key or D1 failure: a 500, logged
        VaultKeyMissing: Effect.die,
        VaultConfigInvalid: Effect.die,
        RepositoryError: Effect.die
      })
    )
    return { subscription: created.subscription, secret: created.secret }
  })
