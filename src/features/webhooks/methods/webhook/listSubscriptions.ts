import { Effect } from "effect"
import { listSubscriptions as list } from "../../../../services/WebhookSubscriptions"
import { Caller } from "../../../xrpc/Caller"

/** app.overlap.webhook.listSubscriptions: the caller's subscriptions (at most 10), never a secret. */
export const listSubscriptions = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const subscriptions = yield* list(caller.did).pipe(Effect.orDie)
    return { subscriptions: subscriptions.slice(0, 10) }
  })
