import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { type NotifySealedKind, NotifySealedValues } from "../../services/NotifySealedValues"
import { clampLimit } from "../../services/Page"
import { orRepositoryError } from "../../services/RepositoryError"

const Kind = Schema.Literal("email", "preferences")
const decodeValues = Schema.decodeUnknown(Schema.Array(Schema.Struct({
  id: Schema.String,
  did: Schema.String,
  what: Kind,
  keyId: Schema.String,
  ciphertext: Schema.String
})))
const decodeCounts = Schema.decodeUnknown(Schema.Array(Schema.Struct({ keyId: Schema.String, status: Kind, count: Schema.Number })))

/** NotifySealedValues over the `notify_settings` D1 table (both sealed columns of each row). */
export const NotifySealedValuesLive: Layer.Layer<NotifySealedValues, never, SqlClient.SqlClient> = Layer.effect(
  NotifySealedValues,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // The column names per kind are fixed text, never input.
    const columns = (what: NotifySealedKind) =>
      what === "email"
        ? { ciphertext: sql("email_ciphertext"), keyId: sql("email_key_id") }
        : { ciphertext: sql("preferences_ciphertext"), keyId: sql("preferences_key_id") }
    return NotifySealedValues.of({
      countByKeyId: sql`
        SELECT email_key_id AS key_id, 'email' AS status, count(*) AS count FROM notify_settings WHERE email_key_id IS NOT NULL GROUP BY 1
        UNION ALL
        SELECT preferences_key_id, 'preferences', count(*) FROM notify_settings WHERE preferences_key_id IS NOT NULL GROUP BY 1
        ORDER BY 1, 2`.pipe(Effect.flatMap(decodeCounts), orRepositoryError("NotifySealedValues.countByKeyId")),

      listSealedNotUnder: (keyId, limit, afterId) =>
        sql`
          SELECT * FROM (
            SELECT did || '#email' AS id, did, 'email' AS what, email_key_id AS key_id, email_ciphertext AS ciphertext
              FROM notify_settings WHERE email_ciphertext IS NOT NULL AND email_key_id <> ${keyId}
            UNION ALL
            SELECT did || '#preferences', did, 'preferences', preferences_key_id, preferences_ciphertext
              FROM notify_settings WHERE preferences_ciphertext IS NOT NULL AND preferences_key_id <> ${keyId}
          ) WHERE id > ${afterId ?? ""} ORDER BY id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeValues),
          orRepositoryError("NotifySealedValues.listSealedNotUnder")
        ),

      replaceSealed: (value, sealed) => {
        const c = columns(value.what)
        return sql`UPDATE notify_settings SET ${c.ciphertext} = ${sealed.ciphertext}, ${c.keyId} = ${sealed.keyId}
                   WHERE did = ${value.did} AND ${c.ciphertext} = ${value.ciphertext} RETURNING did`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("NotifySealedValues.replaceSealed")
        )
      },

      forget: (value) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          (value.what === "email"
            ? sql`UPDATE notify_settings SET email_ciphertext = NULL, email_key_id = NULL, email_verified_at = NULL, updated_at = ${now}
                  WHERE did = ${value.did} AND email_ciphertext = ${value.ciphertext} RETURNING did`
            : sql`UPDATE notify_settings SET preferences_ciphertext = NULL, preferences_key_id = NULL, updated_at = ${now}
                  WHERE did = ${value.did} AND preferences_ciphertext = ${value.ciphertext} RETURNING did`).pipe(
            Effect.map((rows) => rows.length > 0),
            orRepositoryError("NotifySealedValues.forget")
          ))
    })
  })
)
