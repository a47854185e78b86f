import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { TokenVault } from "../../services/TokenVault"
import { createSubscription, deleteSubscription, listSubscriptions } from "../../services/WebhookSubscriptions"
import { WebhookSubscriptionsRepo } from "../../services/WebhookSubscriptionsRepo"
import { Caller } from "../xrpc/Caller"
import { idempotent } from "../xrpc/Idempotency"
import { OverlapApi } from "../OverlapApi"
import {
  InvalidWebhookUrlError,
  SubscriptionNotFoundError,
  TooManySubscriptionsError,
  WebhooksNotConfiguredError
} from "./SubscriptionsApi"

/**
 * app.overlap.webhook.*, over `WebhookSubscriptions`. The repo and the vault are looked up per request (the
 * AppView graph provides them; a graph without them answers 503). http:, localhost and IP literals are accepted
 * only when ENVIRONMENT is "development" (the local webhook receiver of `npm run dev`).
 *
 * createSubscription is deliberately not `idempotent`: the idempotency ledger stores the response for 24 h, and
 * this response carries the signing secret, which must exist only as TokenVault ciphertext.
 */

const notConfigured = () => new WebhooksNotConfiguredError({ message: "webhook subscriptions are not available on this service" })

const services = Effect.gen(function*() {
  const repo = yield* Effect.serviceOption(WebhookSubscriptionsRepo)
  const vault = yield* Effect.serviceOption(TokenVault)
  if (Option.isNone(repo) || Option.isNone(vault)) return yield* notConfigured()
  const env = yield* Effect.serviceOption(CloudflareEnv)
  const allowInsecure = Option.isSome(env) && env.value.ENVIRONMENT === "development"
  return { repo: repo.value, vault: vault.value, allowInsecure }
})

export const SubscriptionsHttpLive = HttpApiBuilder.group(OverlapApi, "webhookSubscriptions", (handlers) =>
  Effect.succeed(
    handlers
      .handle("createSubscription", ({ payload }) =>
        Effect.gen(function*() {
          const caller = yield* Caller
          const { allowInsecure, repo, vault } = yield* services
          const created = yield* createSubscription(caller.did, payload.url, { allowInsecure }).pipe(
            Effect.provideService(WebhookSubscriptionsRepo, repo),
            Effect.provideService(TokenVault, vault),
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
        }))
      .handle("deleteSubscription", ({ payload }) =>
        idempotent(Effect.gen(function*() {
          const caller = yield* Caller
          const { repo } = yield* services
          yield* deleteSubscription(caller.did, payload.id).pipe(
            Effect.provideService(WebhookSubscriptionsRepo, repo),
            Effect.catchTags({
              SubscriptionNotFound: () => Effect.fail(new SubscriptionNotFoundError({ message: `id: no subscription ${payload.id}` })),
              RepositoryError: (error) => Effect.die(error)
            })
          )
          return {}
        })))
      .handle("listSubscriptions", () =>
        Effect.gen(function*() {
          const caller = yield* Caller
          const { repo } = yield* services
          const subscriptions = yield* listSubscriptions(caller.did).pipe(Effect.provideService(WebhookSubscriptionsRepo, repo), Effect.orDie)
          return { subscriptions: subscriptions.slice(0, 10) }
        }))
  ))
