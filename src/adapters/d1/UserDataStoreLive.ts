import { Effect, Layer } from "effect"
import { deletionStatements, exportQueries } from "../../domain/account/userDataPlan"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { RepositoryError } from "../../services/RepositoryError"
import { type ExportSections, UserDataStore } from "../../services/UserDataStore"

/** The tables this database has: the registry may name tables of migrations not applied here yet. */
const tablesOf = async (db: D1Database) =>
  new Set((await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>()).results.map((r) => r.name))

/** `UserDataStore` over the DB binding, with the statements the registry plans (src/domain/account/userDataPlan.ts). */
export const UserDataStoreLive: Layer.Layer<UserDataStore, never, CloudflareEnv> = Layer.effect(
  UserDataStore,
  Effect.map(CloudflareEnv, ({ DB }) =>
    UserDataStore.of({
      exportRows: (user) =>
        Effect.tryPromise({
          try: async () => {
            const sections: Record<string, Array<Record<string, unknown>>> = {}
            const tables = await tablesOf(DB)
            for (const query of exportQueries(user).filter((q) => tables.has(q.table))) {
              const { results } = await DB.prepare(query.sql).bind(...query.params).all<Record<string, unknown>>()
              sections[query.section] = [...(sections[query.section] ?? []), ...results]
            }
            return sections as ExportSections
          },
          catch: (cause) => new RepositoryError({ operation: "UserDataStore.exportRows", cause })
        }),
      deleteRows: (user, pseudonym) =>
        Effect.tryPromise({
          try: async () => {
            const tables = await tablesOf(DB)
            const statements = deletionStatements(user, pseudonym).filter((s) => tables.has(s.table))
            const results = await DB.batch(statements.map((s) => DB.prepare(s.sql).bind(...s.params)))
            return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0)
          },
          catch: (cause) => new RepositoryError({ operation: "UserDataStore.deleteRows", cause })
        })
    }))
)
