import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { DeadLetterSealedValues } from "../../services/DeadLetterSealedValues"
import { clampLimit } from "../../services/Page"
import { orRepositoryError } from "../../services/RepositoryError"

// D1Live hands rows back with camelCase names
const decodeValues = Schema.decodeUnknown(Schema.Array(Schema.Struct({
  id: Schema.String,
  keyId: Schema.String,
  bodyCiphertext: Schema.String,
  errorCiphertext: Schema.NullOr(Schema.String)
})))
const decodeCounts = Schema.decodeUnknown(Schema.Array(Schema.Struct({ keyId: Schema.String, status: Schema.Literal("recorded"), count: Schema.Number })))

/** DeadLetterSealedValues over the `dead_letters` D1 table (migration 0024: body and last error, one `key_id`). */
export const DeadLetterSealedValuesLive: Layer.Layer<DeadLetterSealedValues, never, SqlClient.SqlClient> = Layer.effect(
  DeadLetterSealedValues,
  Effect.map(SqlClient.SqlClient, (sql) =>
    DeadLetterSealedValues.of({
      countByKeyId: sql`SELECT key_id, 'recorded' AS status, count(*) AS count FROM dead_letters GROUP BY key_id ORDER BY key_id`.pipe(
        Effect.flatMap(decodeCounts),
        orRepositoryError("DeadLetterSealedValues.countByKeyId")
      ),

      listSealedNotUnder: (keyId, limit, afterId) =>
        sql`SELECT id, key_id, body_ciphertext, error_ciphertext FROM dead_letters
            WHERE key_id <> ${keyId} AND id > ${afterId ?? ""} ORDER BY id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeValues),
          orRepositoryError("DeadLetterSealedValues.listSealedNotUnder")
        ),

      replaceSealed: (value, body, error) =>
        sql`UPDATE dead_letters SET body_ciphertext = ${body.ciphertext}, error_ciphertext = ${error?.ciphertext ?? null}, key_id = ${body.keyId}
            WHERE id = ${value.id} AND body_ciphertext = ${value.bodyCiphertext}
              AND error_ciphertext IS ${value.errorCiphertext} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("DeadLetterSealedValues.replaceSealed")
        )
    }))
)
