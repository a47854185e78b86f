import { Effect } from "effect"
import type { WebhookDeleteSubscriptionInput } from "../../../../lexicon/schemas"
import { deleteSubscription as remove } from "../../../../services/WebhookSubscriptions"
import { Caller } from "../../../xrpc/Caller"
import { idempotent } from "../../../xrpc/Idempotency"

/** app.overlap.webhook.deleteSubscription: one of the caller's subscriptions (another user's is "not found"). */
export const deleteSubscription = ({ payload }: { readonly payload: WebhookDeleteSubscriptionInput }) =>
  idempotent(Effect.gen(function*() {
    const caller = yield* Caller
    yield* remove(caller.did, payload.id).pipe(Effect.catchTag("RepositoryError", Effect.die))
    return {}
  }))
