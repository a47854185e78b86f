import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { type BookingNoteSealedValue, BookingNoteSealedValues } from "../../services/BookingNoteSealedValues"
import { clampLimit } from "../../services/Page"
import { orRepositoryError } from "../../services/RepositoryError"

// D1Live hands rows back with camelCase names
const decodeSealed = Schema.decodeUnknown(Schema.Array(Schema.Struct({
  id: Schema.String,
  guestDid: Schema.String,
  keyId: Schema.String,
  ciphertext: Schema.String
})))
const decodeCounts = Schema.decodeUnknown(Schema.Array(Schema.Struct({ keyId: Schema.String, status: Schema.Literal("kept"), count: Schema.Number })))

/** BookingNoteSealedValues over the `booking_notes` D1 table (migration 0030): one sealed note per booking. */
export const BookingNoteSealedValuesLive: Layer.Layer<BookingNoteSealedValues, never, SqlClient.SqlClient> = Layer.effect(
  BookingNoteSealedValues,
  Effect.map(SqlClient.SqlClient, (sql) =>
    BookingNoteSealedValues.of({
      countByKeyId: sql`SELECT key_id, 'kept' AS status, count(*) AS count FROM booking_notes GROUP BY key_id ORDER BY key_id`.pipe(
        Effect.flatMap(decodeCounts),
        orRepositoryError("BookingNoteSealedValues.countByKeyId")
      ),

      listSealedNotUnder: (keyId, limit, afterId) =>
        sql`SELECT booking_id AS id, guest_did, key_id, note_ciphertext AS ciphertext FROM booking_notes
            WHERE key_id <> ${keyId} AND booking_id > ${afterId ?? ""} ORDER BY booking_id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeSealed),
          orRepositoryError("BookingNoteSealedValues.listSealedNotUnder")
        ),

      replaceSealed: (value: BookingNoteSealedValue, sealed) =>
        sql`UPDATE booking_notes SET note_ciphertext = ${sealed.ciphertext}, key_id = ${sealed.keyId}
            WHERE booking_id = ${value.id} AND note_ciphertext = ${value.ciphertext} RETURNING booking_id`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("BookingNoteSealedValues.replaceSealed")
        ),

      forget: (value) =>
        sql`DELETE FROM booking_notes WHERE booking_id = ${value.id} AND note_ciphertext = ${value.ciphertext} RETURNING booking_id`.pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("BookingNoteSealedValues.forget")
        )
    }))
)
