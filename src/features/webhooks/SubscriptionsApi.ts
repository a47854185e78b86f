import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import {
  WebhookCreateSubscriptionInput,
  WebhookCreateSubscriptionOutput,
  WebhookDeleteSubscriptionInput,
  WebhookListSubscriptionsOutput
} from "../../lexicon/schemas"
import { IdempotencyErrors } from "../xrpc/Idempotency"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

/** The URL is not an acceptable webhook endpoint; the message says why and names `url`. */
export class InvalidWebhookUrlError extends Schema.TaggedError<InvalidWebhookUrlError>()(
  "InvalidWebhookUrl",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class TooManySubscriptionsError extends Schema.TaggedError<TooManySubscriptionsError>()(
  "TooManySubscriptions",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** The caller has no subscription with this id (another user's is not confirmed to exist). */
export class SubscriptionNotFoundError extends Schema.TaggedError<SubscriptionNotFoundError>()(
  "SubscriptionNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** app.overlap.webhook.*: the caller's Standard-Webhooks subscriptions. The secret is answered once, on create. */
export class SubscriptionsApi extends HttpApiGroup.make("webhookSubscriptions")
  .add(
    HttpApiEndpoint.post("createSubscription", "/xrpc/app.overlap.webhook.createSubscription")
      .setPayload(WebhookCreateSubscriptionInput)
      .addSuccess(WebhookCreateSubscriptionOutput)
      .addError(InvalidWebhookUrlError)
      .addError(TooManySubscriptionsError)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.post("deleteSubscription", "/xrpc/app.overlap.webhook.deleteSubscription")
      .setPayload(WebhookDeleteSubscriptionInput)
      .addSuccess(Schema.Struct({}))
      .addError(SubscriptionNotFoundError)
      .addError(IdempotencyErrors)
  )
  .add(
    HttpApiEndpoint.get("listSubscriptions", "/xrpc/app.overlap.webhook.listSubscriptions")
      .addSuccess(WebhookListSubscriptionsOutput)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
