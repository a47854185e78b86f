import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { orRepositoryError, type RepositoryError } from "../../services/RepositoryError"

/**
 * What an account's status does to the rows of a firehose-indexed table (offers_index, event_types_index,
 * booking_requests): a deactivated or taken-down account's rows are hidden, shown again when it comes back,
 * and removed when it is deleted. Each answers how many rows it changed.
 */
export interface AccountRows {
  readonly hideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly unhideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly purgeForDid: (did: string) => Effect.Effect<number, RepositoryError>
}

/** `AccountRows` over `table`, whose rows belong to the DID in `owner`; `repo` names the operations in errors. */
export const accountRows = (
  sql: SqlClient.SqlClient,
  table: "offers_index" | "event_types_index" | "booking_requests",
  owner: "did" | "guest_did",
  repo: string
): AccountRows => {
  const t = sql(table)
  const o = sql(owner)
  const count = (operation: string) => <A>(self: Effect.Effect<ReadonlyArray<A>, unknown>) =>
    self.pipe(Effect.map((rows) => rows.length), orRepositoryError(`${repo}.${operation}`))
  return {
    hideForDid: (did) => count("hideForDid")(sql`UPDATE ${t} SET hidden = 1 WHERE ${o} = ${did} AND hidden = 0 RETURNING uri`),
    unhideForDid: (did) => count("unhideForDid")(sql`UPDATE ${t} SET hidden = 0 WHERE ${o} = ${did} AND hidden = 1 RETURNING uri`),
    purgeForDid: (did) => count("purgeForDid")(sql`DELETE FROM ${t} WHERE ${o} = ${did} RETURNING uri`)
  }
}
