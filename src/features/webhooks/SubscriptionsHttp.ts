import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { createSubscription } from "./methods/webhook/createSubscription"
import { deleteSubscription } from "./methods/webhook/deleteSubscription"
import { listSubscriptions } from "./methods/webhook/listSubscriptions"

/** app.overlap.webhook.*: the caller's Standard-Webhooks subscriptions (one file per method under methods/webhook/). */
export const SubscriptionsHttpLive = HttpApiBuilder.group(OverlapApi, "webhookSubscriptions", (handlers) =>
  handlers
    .handle("createSubscription", createSubscription)
    .handle("deleteSubscription", deleteSubscription)
    .handle("listSubscriptions", listSubscriptions))
