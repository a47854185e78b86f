import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { clampLimit } from "../../services/Page"
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
const CountRows = Schema.Array(Schema.Struct({ keyId: Schema.String, status: Schema.Literal("enabled", "disabled"), count: Schema.Number }))

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
          )),

      listSealedNotUnder: (keyId, limit, afterId) =>
        sql`SELECT * FROM webhook_subscriptions WHERE key_id <> ${keyId} AND id > ${afterId ?? ""}
            ORDER BY id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeSubscriptions),
          orRepositoryError("WebhookSubscriptionsRepo.listSealedNotUnder")
        ),

      replaceSealed: (id, from, sealed) =>
        sql`UPDATE webhook_subscriptions SET secret_ciphertext = ${sealed.ciphertext}, key_id = ${sealed.keyId}
            WHERE id = ${id} AND secret_ciphertext = ${from} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("WebhookSubscriptionsRepo.replaceSealed")
        ),

      countByKeyId: sql`SELECT key_id, CASE WHEN disabled_at IS NULL THEN 'enabled' ELSE 'disabled' END AS status, count(*) AS count
                        FROM webhook_subscriptions GROUP BY 1, 2 ORDER BY 1, 2`.pipe(
        Effect.flatMap(Schema.decodeUnknown(CountRows)),
        orRepositoryError("WebhookSubscriptionsRepo.countByKeyId")
      )
    })
  })
)
