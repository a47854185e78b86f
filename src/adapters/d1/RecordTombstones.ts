import type { SqlClient, Statement } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import type { D1Client } from "@effect/sql-d1"
import { Clock, Effect } from "effect"
import { authorityOf } from "../../domain/identifiers"
import { batch } from "./D1Batch"

/**
 * SQL for `record_tombstones`, shared by the firehose-indexed tables (offers_index,
 * booking_requests): a delete at rev R leaves (uri, R) behind, and a create/update at a rev not
 * newer than R is ignored, so a redelivered or reordered older event never resurrects a record.
 */

/** Records (or advances) the tombstone of `uri` at `rev`. */
export const writeTombstone = (
  sql: SqlClient.SqlClient,
  uri: string,
  rev: string,
  now: number
): Statement.Statement<never> =>
  sql`INSERT INTO record_tombstones (uri, did, rev, deleted_at)
      VALUES (${uri}, ${authorityOf(uri)}, ${rev}, ${now})
      ON CONFLICT (uri) DO UPDATE SET rev = excluded.rev, deleted_at = excluded.deleted_at
      WHERE excluded.rev > record_tombstones.rev`

/** True when no deletion of `uri` at `rev` or later has been seen. */
export const notTombstoned = (sql: SqlClient.SqlClient, uri: string, rev: string): Statement.Fragment =>
  sql`NOT EXISTS (SELECT 1 FROM record_tombstones WHERE uri = ${uri} AND rev >= ${rev})`

/**
 * Applies a delete of `uri` at `rev` to a firehose-indexed table in one batch: tombstone it, and
 * remove the row unless the row is newer. True when a row was removed.
 */
export const deleteAtRev = (
  sql: SqlClient.SqlClient,
  table: "offers_index" | "booking_requests" | "event_types_index",
  uri: string,
  rev: string
): Effect.Effect<boolean, SqlError, D1Client.D1Client> =>
  Clock.currentTimeMillis.pipe(
    Effect.flatMap((now) =>
      batch([
        writeTombstone(sql, uri, rev, now),
        sql`DELETE FROM ${sql.literal(table)} WHERE uri = ${uri} AND rev < ${rev} RETURNING uri`
      ])
    ),
    Effect.map((results) => (results[1]?.length ?? 0) > 0)
  )
