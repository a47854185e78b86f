import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import { DEAD_LETTER_RETENTION_MS, kindOf, queueFamilyOf, sourceQueueOf, unwrapDeadLetter } from "../../domain/queues/deadLetter"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import {
  DeadLetterNotFound,
  DeadLetterRecords,
  DeadLetterReplayFailed,
  type DeadLetterRow
} from "../../services/DeadLetterRecords"
import { deadLetterBinding } from "../../services/DeadLetterSealedValues"
import { orRepositoryError } from "../../services/RepositoryError"
import { TokenVault } from "../../services/TokenVault"

// D1Live hands rows back with camelCase names
const Row = Schema.Struct({
  id: Schema.String,
  dlq: Schema.String,
  sourceQueue: Schema.String,
  kind: Schema.String,
  attempts: Schema.NullOr(Schema.Number),
  reason: Schema.NullOr(Schema.String),
  bodyBytes: Schema.Number,
  firstSeen: Schema.Number,
  lastSeen: Schema.Number,
  deliveries: Schema.Number
})
const decodeRows = Schema.decodeUnknown(Schema.Array(Row))
const Sealed = Schema.Struct({ bodyCiphertext: Schema.String, errorCiphertext: Schema.NullOr(Schema.String) })
const decodeSealed = Schema.decodeUnknown(Schema.Array(Sealed))
const Backlog = Schema.Struct({ dlq: Schema.String, count: Schema.Number, oldest: Schema.Number })
const decodeBacklog = Schema.decodeUnknown(Schema.Array(Backlog))

/** A sealed body opens only as the body of this record (AES-GCM additional data), not copied to another row. */
const bindingOf = deadLetterBinding

const COLUMNS = "id, dlq, source_queue, kind, attempts, reason, body_bytes, first_seen, last_seen, deliveries"

/** The producer a replay sends with: by the source queue's family (the AppView binds all three). */
const producerFor = (env: Env, sourceQueue: string): Queue | undefined => {
  switch (queueFamilyOf(sourceQueue)) {
    case "index-tasks":
      return env.INDEX_TASKS
    case "calendar-tasks":
      return env.CALENDAR_TASKS
    case "notify-tasks":
      return env.NOTIFY_TASKS
    default:
      return undefined
  }
}

/** `DeadLetterRecords` over D1 `dead_letters` (migration 0024), bodies sealed by TokenVault, replay through the env's producers. */
export const DeadLetterRecordsLive: Layer.Layer<DeadLetterRecords, never, SqlClient.SqlClient | TokenVault | CloudflareEnv> = Layer.effect(
  DeadLetterRecords,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const vault = yield* TokenVault
    const env = yield* CloudflareEnv

    const rowOf = (id: string) =>
      sql.unsafe(`SELECT ${COLUMNS} FROM dead_letters WHERE id = ?`, [id]).pipe(
        Effect.flatMap(decodeRows),
        orRepositoryError("DeadLetterRecords.get"),
        Effect.flatMap((rows) => rows[0] === undefined ? Effect.fail(new DeadLetterNotFound({ id })) : Effect.succeed(rows[0] as DeadLetterRow))
      )

    const open = (id: string) =>
      Effect.gen(function*() {
        const row = yield* rowOf(id)
        const sealed = yield* sql`SELECT body_ciphertext, error_ciphertext FROM dead_letters WHERE id = ${id}`.pipe(
          Effect.flatMap(decodeSealed),
          orRepositoryError("DeadLetterRecords.open")
        )
        const first = sealed[0]
        if (first === undefined) return yield* Effect.fail(new DeadLetterNotFound({ id }))
        const bodyJson = yield* vault.decrypt(first.bodyCiphertext, bindingOf(id, "body")).pipe(orRepositoryError("DeadLetterRecords.open.body"))
        const error = first.errorCiphertext === null
          ? null
          : yield* vault.decrypt(first.errorCiphertext, bindingOf(id, "error")).pipe(orRepositoryError("DeadLetterRecords.open.error"))
        return { ...row, body: JSON.parse(bodyJson) as unknown, error }
      })

    const drop = (id: string) =>
      sql`DELETE FROM dead_letters WHERE id = ${id} RETURNING id`.pipe(
        Effect.map((rows) => rows.length > 0),
        orRepositoryError("DeadLetterRecords.drop")
      )

    return DeadLetterRecords.of({
      record: (letter, now) =>
        Effect.gen(function*() {
          const sourceQueue = sourceQueueOf(letter.dlq) ?? letter.dlq
          const unwrapped = unwrapDeadLetter(letter.body)
          const bodyJson = JSON.stringify(unwrapped.body ?? null)
          const body = yield* vault.encrypt(bodyJson, bindingOf(letter.id, "body")).pipe(orRepositoryError("DeadLetterRecords.seal.body"))
          const error = unwrapped.error === null
            ? null
            : (yield* vault.encrypt(unwrapped.error, bindingOf(letter.id, "error")).pipe(orRepositoryError("DeadLetterRecords.seal.error"))).ciphertext
          yield* sql`
            INSERT INTO dead_letters (id, dlq, source_queue, kind, body_ciphertext, key_id, body_bytes, attempts, reason,
              error_ciphertext, first_seen, last_seen, deliveries)
            VALUES (${letter.id}, ${letter.dlq}, ${sourceQueue}, ${kindOf(unwrapped.body)}, ${body.ciphertext}, ${body.keyId},
              ${new TextEncoder().encode(bodyJson).length}, ${unwrapped.attempts}, ${unwrapped.reason}, ${error},
              ${letter.timestamp}, ${now}, 1)
            ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, deliveries = dead_letters.deliveries + 1`.pipe(
            orRepositoryError("DeadLetterRecords.record")
          )
        }),
      list: (now, limit) =>
        sql`DELETE FROM dead_letters WHERE last_seen < ${now - DEAD_LETTER_RETENTION_MS}`.pipe(
          Effect.zipRight(sql.unsafe(`SELECT ${COLUMNS} FROM dead_letters ORDER BY first_seen DESC, id LIMIT ?`, [limit])),
          Effect.flatMap(decodeRows),
          orRepositoryError("DeadLetterRecords.list")
        ),
      backlog: () =>
        sql`SELECT dlq, count(*) AS count, min(first_seen) AS oldest FROM dead_letters GROUP BY dlq ORDER BY dlq`.pipe(
          Effect.flatMap(decodeBacklog),
          orRepositoryError("DeadLetterRecords.backlog")
        ),
      open,
      replay: (id) =>
        Effect.gen(function*() {
          const letter = yield* open(id)
          const producer = Option.fromNullable(producerFor(env, letter.sourceQueue))
          if (Option.isNone(producer)) {
            return yield* Effect.fail(new DeadLetterReplayFailed({ id, reason: `no producer bound for ${letter.sourceQueue}` }))
          }
          yield* Effect.tryPromise({
            try: () => producer.value.send(letter.body, { contentType: "json" }),
            catch: (cause) => new DeadLetterReplayFailed({ id, reason: `send to ${letter.sourceQueue} failed: ${String(cause)}` })
          })
          // sent first, then deleted: a failure between the two leaves the record (a second replay sends it again;
          // the consumers are idempotent per message content)
          yield* drop(id)
          const { body: _body, error: _error, ...row } = letter
          return row
        }),
      drop
    })
  })
)
