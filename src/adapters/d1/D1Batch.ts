import type { Statement } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { D1Client } from "@effect/sql-d1"
import { Effect } from "effect"

/**
 * Runs statements as one D1 batch: a single SQLite transaction, executed in order, all or nothing.
 * The D1 stand-in for `sql.withTransaction`. Rows come back per statement, with the client's
 * result-name transform applied like any other query.
 */
export const batch = (
  statements: ReadonlyArray<Statement.Statement<any>>
): Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError, D1Client.D1Client> =>
  Effect.flatMap(D1Client.D1Client, (client) => {
    const { db, transformResultNames } = client.config
    const rename = transformResultNames
      ? (row: unknown): unknown => {
        const out: Record<string, unknown> = {}
        for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
          out[transformResultNames(key)] = value
        }
        return out
      }
      : (row: unknown) => row
    return Effect.tryPromise({
      try: () =>
        db.batch(statements.map((statement) => {
          const [query, params] = statement.compile()
          return db.prepare(query).bind(...params)
        })),
      catch: (cause) => new SqlError({ cause, message: "Failed to execute batch" })
    }).pipe(Effect.map((results) => results.map((result) => (result.results ?? []).map(rename))))
  })
