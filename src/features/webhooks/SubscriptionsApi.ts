import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import {
  WebhookCreateSubscriptionInput,
  WebhookCreateSubscriptionOutput,
  WebhookDeleteSubscriptionInput,
  WebhookListSubscriptionsOutput
} from "../../lexicon/schemas"
import { InvalidWebhookUrl } from "../../services/WebhookSubscriptions"
import { SubscriptionNotFound, TooManySubscriptions } from "../../services/WebhookSubscriptionsRepo"
import { IdempotencyErrors } from "../xrpc/Idempotency"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

/** app.overlap.webhook.*: the caller's Standard-Webhooks subscriptions. The secret is answered once, on create. */
export class SubscriptionsApi extends HttpApiGroup.make("webhookSubscriptions")
  .add(
    HttpApiEndpoint.post("createSubscription", "/xrpc/app.overlap.webhook.createSubscription")
      .setPayload(WebhookCreateSubscriptionInput)
      .addSuccess(WebhookCreateSubscriptionOutput)
      .addError(InvalidWebhookUrl)
      .addError(TooManySubscriptions)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("deleteSubscription", "/xrpc/app.overlap.webhook.deleteSubscription")
      .setPayload(WebhookDeleteSubscriptionInput)
      .addSuccess(Schema.Struct({}))
      .addError(SubscriptionNotFound)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.get("listSubscriptions", "/xrpc/app.overlap.webhook.listSubscriptions")
      .addSuccess(WebhookListSubscriptionsOutput)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
