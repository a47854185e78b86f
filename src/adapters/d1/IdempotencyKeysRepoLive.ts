import { SqlClient } from "@effect/sql"
import type { D1Client } from "@effect/sql-d1"
import { Effect, Layer, Schema } from "effect"
import type { ParseError } from "effect/ParseResult"
import { BeginOutcome, defaultPurgeLimit, IdempotencyKeysRepo, IdempotencyState } from "../../services/IdempotencyKeysRepo"
import { orRepositoryError } from "../../services/RepositoryError"
import { batch } from "./D1Batch"

const StoredKey = Schema.Struct({
  requestHash: Schema.String,
  state: IdempotencyState,
  responseStatus: Schema.NullOr(Schema.Int),
  responseBody: Schema.NullOr(Schema.String)
})
const decodeStored = Schema.decodeUnknown(Schema.Array(StoredKey))

export const IdempotencyKeysRepoLive: Layer.Layer<
  IdempotencyKeysRepo,
  never,
  SqlClient.SqlClient | D1Client.D1Client
> = Layer.effect(
  IdempotencyKeysRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const d1 = yield* Effect.context<D1Client.D1Client>()

    return IdempotencyKeysRepo.of({
      // One batch = one SQLite transaction: claim the key if it is free (absent or expired), then
      // read whatever holds it. Started iff the first statement wrote a row.
      begin: (callerDid, method, key, requestHash, now, ttlMs) =>
        batch([
          sql`INSERT INTO idempotency_keys
                (caller_did, method, idem_key, request_hash, state, response_status, response_body,
                 created_at, expires_at)
              VALUES (${callerDid}, ${method}, ${key}, ${requestHash}, 'in_flight', NULL, NULL,
                      ${now}, ${now + ttlMs})
              ON CONFLICT (caller_did, method, idem_key) DO UPDATE SET
                request_hash = excluded.request_hash, state = 'in_flight', response_status = NULL,
                response_body = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at
              WHERE idempotency_keys.expires_at <= excluded.created_at
              RETURNING 1 AS started`,
          sql`SELECT request_hash, state, response_status, response_body FROM idempotency_keys
              WHERE caller_did = ${callerDid} AND method = ${method} AND idem_key = ${key}`
        ]).pipe(
          Effect.provide(d1),
          Effect.flatMap(([claimed, holder]): Effect.Effect<BeginOutcome, ParseError> =>
            (claimed?.length ?? 0) > 0
              ? Effect.succeed(BeginOutcome.Started())
              : Effect.map(decodeStored(holder ?? []), ([stored]): BeginOutcome =>
                stored === undefined
                  // cannot happen inside one transaction; treat as busy rather than guess
                  ? BeginOutcome.InFlight()
                  : stored.requestHash !== requestHash
                  ? BeginOutcome.Mismatch()
                  : stored.state === "in_flight"
                  ? BeginOutcome.InFlight()
                  : BeginOutcome.Replay({ status: stored.responseStatus ?? 500, body: stored.responseBody ?? "" }))
          ),
          orRepositoryError("IdempotencyKeysRepo.begin")
        ),

      complete: (callerDid, method, key, requestHash, status, body) =>
        sql`UPDATE idempotency_keys
            SET state = 'completed', response_status = ${status}, response_body = ${body}
            WHERE caller_did = ${callerDid} AND method = ${method} AND idem_key = ${key}
              AND state = 'in_flight' AND request_hash = ${requestHash}`.pipe(
          Effect.asVoid,
          orRepositoryError("IdempotencyKeysRepo.complete")
        ),

      abandon: (callerDid, method, key) =>
        sql`DELETE FROM idempotency_keys
            WHERE caller_did = ${callerDid} AND method = ${method} AND idem_key = ${key}
              AND state = 'in_flight'`.pipe(
          Effect.asVoid,
          orRepositoryError("IdempotencyKeysRepo.abandon")
        ),

      answersOf: (callerDid, method, status, now) =>
        sql<{ responseBody: string }>`SELECT response_body FROM idempotency_keys
            WHERE caller_did = ${callerDid} AND method = ${method} AND state = 'completed'
              AND response_status = ${status} AND expires_at > ${now} AND response_body IS NOT NULL`.pipe(
          Effect.map((rows) => rows.map((r) => r.responseBody)),
          orRepositoryError("IdempotencyKeysRepo.answersOf")
        ),

      purgeExpired: (now, limit = defaultPurgeLimit) =>
        sql`DELETE FROM idempotency_keys WHERE rowid IN (
              SELECT rowid FROM idempotency_keys WHERE expires_at <= ${now} LIMIT ${limit}
            ) RETURNING 1 AS purged`.pipe(
          Effect.map((rows) => rows.length),
          orRepositoryError("IdempotencyKeysRepo.purgeExpired")
        )
    })
  })
)
