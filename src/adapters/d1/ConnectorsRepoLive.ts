import { SqlClient, type Statement } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { Connector, ConnectorAlreadyExists, ConnectorNotFound, ConnectorsRepo, ConnectorStatus } from "../../services/ConnectorsRepo"
import { clampLimit } from "../../services/Page"
import { orRepositoryError } from "../../services/RepositoryError"

const decodeConnectors = Schema.decodeUnknown(Schema.Array(Connector))
const CountRows = Schema.Array(Schema.Struct({ keyId: Schema.String, status: ConnectorStatus, count: Schema.Number }))
const SyncRows = Schema.Array(Schema.Struct({ syncToken: Schema.NullOr(Schema.String) }))

/**
 * ConnectorsRepo over D1. `token_ciphertext` is a BLOB column (0001): the envelope string goes in as its
 * UTF-8 bytes (`CAST(? AS BLOB)`) and comes back as text (`CAST(… AS TEXT)`), so every driver sees a string.
 */
export const ConnectorsRepoLive: Layer.Layer<ConnectorsRepo, never, SqlClient.SqlClient> = Layer.effect(
  ConnectorsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const columns = sql`id, did, provider, status, account_ref, CAST(token_ciphertext AS TEXT) AS token_ciphertext, key_id,
      token_expires_at, calendars, holds_target, last_sync_at, warning, created_at, updated_at`

    const select = (where: Statement.Fragment, operation: string) =>
      sql`SELECT ${columns} FROM connectors WHERE ${where}`.pipe(Effect.flatMap(decodeConnectors), orRepositoryError(operation))

    /** An UPDATE of one row; ConnectorNotFound when no row has the id. */
    const updateOne = (id: string, assignments: ReadonlyArray<Statement.Fragment>, operation: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql`UPDATE connectors SET ${sql.csv([...assignments, sql`updated_at = ${now}`])}
                                WHERE id = ${id} RETURNING id`.pipe(orRepositoryError(operation))
        if (rows.length === 0) return yield* new ConnectorNotFound({ id })
      })

    return ConnectorsRepo.of({
      create: (c) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const rows = yield* sql`INSERT INTO connectors
              (id, did, provider, status, account_ref, token_ciphertext, key_id, token_expires_at, calendars,
               holds_target, last_sync_at, created_at, updated_at)
            VALUES (${c.id}, ${c.did}, ${c.provider}, ${c.status}, ${c.accountRef},
                    CAST(${c.sealed?.ciphertext ?? null} AS BLOB), ${c.sealed?.keyId ?? null}, ${c.tokenExpiresAt},
                    ${JSON.stringify(c.calendars)}, 0, NULL, ${now}, ${now})
            ON CONFLICT (id) DO NOTHING
            RETURNING ${columns}`.pipe(Effect.flatMap(decodeConnectors), orRepositoryError("ConnectorsRepo.create"))
          return rows[0] ?? (yield* new ConnectorAlreadyExists({ id: c.id }))
        }),

      get: (id) => select(sql`id = ${id}`, "ConnectorsRepo.get").pipe(Effect.map((rows) => Option.fromNullable(rows[0]))),

      listForDid: (did, options) =>
        sql`SELECT ${columns} FROM connectors
            WHERE did = ${did} ${options?.includeRemoved ? sql`` : sql`AND status <> 'removed'`}
            ORDER BY created_at, id`.pipe(Effect.flatMap(decodeConnectors), orRepositoryError("ConnectorsRepo.listForDid")),

      setStatus: (id, status, from) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const guard = from === undefined ? sql`` : from.length === 0 ? sql`AND 0` : sql`AND ${sql.in("status", from)}`
          const rows = yield* sql`UPDATE connectors SET status = ${status}, updated_at = ${now}
                                  WHERE id = ${id} AND status <> 'removed' ${guard}
                                  RETURNING ${columns}`.pipe(Effect.flatMap(decodeConnectors), orRepositoryError("ConnectorsRepo.setStatus"))
          return Option.fromNullable(rows[0])
        }),

      updateTokens: (id, sealed, tokenExpiresAt) =>
        updateOne(id, [
          sql`token_ciphertext = CAST(${sealed.ciphertext} AS BLOB)`,
          sql`key_id = ${sealed.keyId}`,
          sql`token_expires_at = ${tokenExpiresAt}`
        ], "ConnectorsRepo.updateTokens"),

      updateAccount: (id, account) =>
        updateOne(id, [sql`account_ref = ${account.accountRef}`, sql`calendars = ${JSON.stringify(account.calendars)}`], "ConnectorsRepo.updateAccount"),

      markSynced: (id, at) =>
        sql`UPDATE connectors SET last_sync_at = ${at} WHERE id = ${id}`.pipe(Effect.asVoid, orRepositoryError("ConnectorsRepo.markSynced")),

      setWarning: (id, warning) =>
        sql`UPDATE connectors SET warning = ${warning} WHERE id = ${id}`.pipe(Effect.asVoid, orRepositoryError("ConnectorsRepo.setWarning")),

      setHoldsTarget: (did, id) =>
        Effect.gen(function*() {
          const target = yield* select(sql`id = ${id} AND did = ${did} AND status <> 'removed'`, "ConnectorsRepo.setHoldsTarget")
          if (target.length === 0) return yield* new ConnectorNotFound({ id })
          // Clear first, then set: a reader between the two sees no target and falls back to the oldest active one.
          yield* sql`UPDATE connectors SET holds_target = 0 WHERE did = ${did} AND id <> ${id} AND holds_target = 1`.pipe(
            orRepositoryError("ConnectorsRepo.setHoldsTarget")
          )
          yield* sql`UPDATE connectors SET holds_target = 1 WHERE id = ${id}`.pipe(orRepositoryError("ConnectorsRepo.setHoldsTarget"))
        }),

      remove: (id) =>
        updateOne(id, [
          sql`status = 'removed'`,
          sql`token_ciphertext = NULL`,
          sql`key_id = NULL`,
          sql`token_expires_at = NULL`,
          sql`holds_target = 0`
        ], "ConnectorsRepo.remove"),

      listExpiring: (before, limit) =>
        sql`SELECT ${columns} FROM connectors
            WHERE status = 'active' AND token_expires_at <= ${before}
            ORDER BY token_expires_at LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeConnectors),
          orRepositoryError("ConnectorsRepo.listExpiring")
        ),

      listPending: (createdBefore, limit) =>
        sql`SELECT ${columns} FROM connectors
            WHERE status = 'pending' AND created_at <= ${createdBefore}
            ORDER BY created_at LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeConnectors),
          orRepositoryError("ConnectorsRepo.listPending")
        ),

      listActiveByProvider: (provider, limit, afterId) =>
        sql`SELECT ${columns} FROM connectors
            WHERE provider = ${provider} AND status = 'active' AND id > ${afterId ?? ""}
            ORDER BY id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeConnectors),
          orRepositoryError("ConnectorsRepo.listActiveByProvider")
        ),

      listSealedNotUnder: (keyId, limit, afterId) =>
        sql`SELECT ${columns} FROM connectors
            WHERE key_id IS NOT NULL AND key_id <> ${keyId} AND id > ${afterId ?? ""}
            ORDER BY id LIMIT ${clampLimit(limit)}`.pipe(
          Effect.flatMap(decodeConnectors),
          orRepositoryError("ConnectorsRepo.listSealedNotUnder")
        ),

      replaceSealed: (id, from, sealed) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE connectors SET token_ciphertext = CAST(${sealed.ciphertext} AS BLOB), key_id = ${sealed.keyId}, updated_at = ${now}
              WHERE id = ${id} AND CAST(token_ciphertext AS TEXT) = ${from} RETURNING id`).pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("ConnectorsRepo.replaceSealed")
        ),

      countByKeyId: sql`SELECT key_id, status, count(*) AS count FROM connectors WHERE key_id IS NOT NULL
                        GROUP BY key_id, status ORDER BY key_id, status`.pipe(
        Effect.flatMap(Schema.decodeUnknown(CountRows)),
        orRepositoryError("ConnectorsRepo.countByKeyId")
      ),

      getSyncToken: (connectorId, calendarId) =>
        sql`SELECT sync_token FROM connector_sync_state WHERE connector_id = ${connectorId} AND calendar_id = ${calendarId}`.pipe(
          Effect.flatMap(Schema.decodeUnknown(SyncRows)),
          Effect.map((rows) => Option.fromNullable(rows[0]?.syncToken)),
          orRepositoryError("ConnectorsRepo.getSyncToken")
        ),

      setSyncToken: (connectorId, calendarId, syncToken) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`INSERT INTO connector_sync_state (connector_id, calendar_id, sync_token, updated_at)
              VALUES (${connectorId}, ${calendarId}, ${syncToken}, ${now})
              ON CONFLICT (connector_id, calendar_id) DO UPDATE SET sync_token = excluded.sync_token, updated_at = excluded.updated_at`).pipe(
          Effect.asVoid,
          orRepositoryError("ConnectorsRepo.setSyncToken")
        )
    })
  })
)
