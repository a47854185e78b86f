import { HttpApiSchema } from "@effect/platform"
import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { Did, EpochMillis } from "../domain/identifiers"
import type { RepositoryError } from "./RepositoryError"
import type { SealedCount, SealedToken } from "./TokenVault"

/** A DID keeps at most this many subscriptions (listSubscriptions returns them all). */
export const MAX_SUBSCRIPTIONS_PER_DID = 10

/** A subscription id as issued by createSubscription. */
export const WebhookSubscriptionId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,64}$/))

const subscriptionFields = {
  id: WebhookSubscriptionId,
  did: Did,
  url: Schema.String,
  /** TokenVault ciphertext of the `whsec_…` secret, bound to (did, "webhook", id). */
  secretCiphertext: Schema.String,
  keyId: Schema.String
}

export const NewWebhookSubscription = Schema.Struct(subscriptionFields)
export type NewWebhookSubscription = typeof NewWebhookSubscription.Type

/** A row of `webhook_subscriptions`. */
export class WebhookSubscription extends Schema.Class<WebhookSubscription>("WebhookSubscription")({
  ...subscriptionFields,
  createdAt: EpochMillis,
  disabledAt: Schema.NullOr(EpochMillis),
  disabledReason: Schema.NullOr(Schema.String)
}) {}

/** No subscription with this id (or none of the caller's: another user's is not confirmed to exist). */
export class SubscriptionNotFound extends Schema.TaggedError<SubscriptionNotFound>()(
  "SubscriptionNotFound",
  { id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  constructor(props: { readonly id: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? `id: no subscription ${props.id}` }, options)
  }
}

export class TooManySubscriptions extends Schema.TaggedError<TooManySubscriptions>()(
  "TooManySubscriptions",
  { did: Schema.String, limit: Schema.Int, message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  constructor(props: { readonly did: string; readonly limit: number; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? `at most ${props.limit} webhook subscriptions per account` }, options)
  }
}

export class WebhookSubscriptionsRepo extends Context.Tag("overlap/WebhookSubscriptionsRepo")<WebhookSubscriptionsRepo, {
  /** Inserts, created now, unless the DID already has MAX_SUBSCRIPTIONS_PER_DID (checked in the same statement). */
  readonly create: (subscription: NewWebhookSubscription) => Effect.Effect<WebhookSubscription, TooManySubscriptions | RepositoryError>
  readonly get: (id: string) => Effect.Effect<Option.Option<WebhookSubscription>, RepositoryError>
  /** The DID's subscriptions, disabled ones included, oldest first. */
  readonly listForDid: (did: string) => Effect.Effect<ReadonlyArray<WebhookSubscription>, RepositoryError>
  /** Deletes the DID's own subscription; another DID's id is reported as not found. */
  readonly delete: (did: string, id: string) => Effect.Effect<void, SubscriptionNotFound | RepositoryError>
  /** Stops deliveries to a subscription (e.g. its endpoint answered 410 Gone). Idempotent. */
  readonly disable: (id: string, reason: string) => Effect.Effect<void, RepositoryError>
  /** Subscriptions (disabled ones too) whose secret is sealed under a key other than `keyId`, in id order after `afterId`. */
  readonly listSealedNotUnder: (keyId: string, limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<WebhookSubscription>, RepositoryError>
  /** Replaces the sealed secret only while it is still `from` (compare-and-set); true when it was replaced. */
  readonly replaceSealed: (id: string, from: string, sealed: SealedToken) => Effect.Effect<boolean, RepositoryError>
  /** Sealed secrets per (key id, "enabled" | "disabled"). */
  readonly countByKeyId: Effect.Effect<ReadonlyArray<SealedCount<"enabled" | "disabled">>, RepositoryError>
}>() {}
