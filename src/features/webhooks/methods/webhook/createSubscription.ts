import { Effect } from "effect"
import type { WebhookCreateSubscriptionInput } from "../../../../lexicon/schemas"
import { CloudflareEnv } from "../../../../platform/CloudflareEnv"
import { createSubscription as create } from "../../../../services/WebhookSubscriptions"
import { Caller } from "../../../xrpc/Caller"
import { InvalidWebhookUrlError, TooManySubscriptionsError } from "../../SubscriptionsApi"

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
      Effect.catchAll((error): Effect.Effect<never, InvalidWebhookUrlError | TooManySubscriptionsError> => {
        switch (error._tag) {
          case "InvalidWebhookUrl":
            return Effect.fail(new InvalidWebhookUrlError({ message: error.message.startsWith("url") ? error.message : `url: ${error.message}` }))
          case "TooManySubscriptions":
            return Effect.fail(new TooManySubscriptionsError({ message: `at most ${error.limit} webhook subscriptions per account` }))
          default:
            return Effect.die(error) // vault key or D1 failure: a 500, logged
        }
      })
    )
    return { subscription: created.subscription, secret: created.secret }
  })
