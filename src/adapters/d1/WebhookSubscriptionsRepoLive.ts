import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"
import {
  MAX_SUBSCRIPTIONS_PER_DID,
  NewWebhookSubscription,
  SubscriptionNotFound,
  TooManySubscriptions,
  WebhookSubscription,
  WebhookSubscriptionsRepo
} from "../../services/WebhookSubscriptionsRepo"

const decodeSubscriptions = Schema.decodeUnknown(Schema.Array(WebhookSubscription))

export const WebhookSubscriptionsRepoLive: Layer.Layer<WebhookSubscriptionsRepo, never, SqlClient.SqlClient> = Layer.effect(
  WebhookSubscriptionsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return WebhookSubscriptionsRepo.of({
      create: (input) =>
        Effect.gen(function*() {
          const s = yield* validateInput(NewWebhookSubscription, "WebhookSubscriptionsRepo.create")(input)
          const now = yield* Clock.currentTimeMillis
          // INSERT … SELECT … WHERE count < limit: the limit holds even when two creates race.
          const rows = yield* sql`
            INSERT INTO webhook_subscriptions (id, did, url, secret_ciphertext, key_id, created_at)
            SELECT ${s.id}, ${s.did}, ${s.url}, ${s.secretCiphertext}, ${s.keyId}, ${now}
            WHERE (SELECT count(*) FROM webhook_subscriptions WHERE did = ${s.did}) < ${MAX_SUBSCRIPTIONS_PER_DID}
            RETURNING *`.pipe(Effect.flatMap(decodeSubscriptions), orRepositoryError("WebhookSubscriptionsRepo.create"))
          return rows[0] ?? (yield* new TooManySubscriptions({ did: s.did, limit: MAX_SUBSCRIPTIONS_PER_DID }))
        }),

      get: (id) =>
        sql`SELECT * FROM webhook_subscriptions WHERE id = ${id}`.pipe(
          Effect.flatMap(decodeSubscriptions),
          Effect.map((rows) => Option.fromNullable(rows[0])),
          orRepositoryError("WebhookSubscriptionsRepo.get")
        ),

      listForDid: (did) =>
        sql`SELECT * FROM webhook_subscriptions WHERE did = ${did} ORDER BY created_at, id LIMIT ${MAX_SUBSCRIPTIONS_PER_DID}`.pipe(
          Effect.flatMap(decodeSubscriptions),
          orRepositoryError("WebhookSubscriptionsRepo.listForDid")
        ),

      delete: (did, id) =>
        sql`DELETE FROM webhook_subscriptions WHERE id = ${id} AND did = ${did} RETURNING id`.pipe(
          orRepositoryError("WebhookSubscriptionsRepo.delete"),
          Effect.flatMap((rows) => rows.length > 0 ? Effect.void : Effect.fail(new SubscriptionNotFound({ id })))
        ),

      disable: (id, reason) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE webhook_subscriptions SET disabled_at = ${now}, disabled_reason = ${reason.slice(0, 500)}
              WHERE id = ${id} AND disabled_at IS NULL`.pipe(
            Effect.asVoid,
            orRepositoryError("WebhookSubscriptionsRepo.disable")
          ))
    })
  })
)
