import { Effect, Layer } from "effect"
import { deletionStatements, exportQueries } from "../../domain/account/userDataPlan"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { RepositoryError } from "../../services/RepositoryError"
import { type ExportSections, UserDataStore } from "../../services/UserDataStore"

/** `UserDataStore` over the DB binding, with the statements the registry plans (src/domain/account/userDataPlan.ts). */
export const UserDataStoreLive: Layer.Layer<UserDataStore, never, CloudflareEnv> = Layer.effect(
  UserDataStore,
  Effect.map(CloudflareEnv, ({ DB }) =>
    UserDataStore.of({
      exportRows: (user) =>
        Effect.tryPromise({
          try: async () => {
            const sections: Record<string, Array<Record<string, unknown>>> = {}
            for (const query of exportQueries(user)) {
              const { results } = await DB.prepare(query.sql).bind(...query.params).all<Record<string, unknown>>()
              sections[query.section] = [...(sections[query.section] ?? []), ...results]
            }
            return sections as ExportSections
          },
          catch: (cause) => new RepositoryError({ operation: "UserDataStore.exportRows", cause })
        }),
      deleteRows: (user) =>
        Effect.tryPromise({
          try: async () => {
            const results = await DB.batch(deletionStatements(user).map((s) => DB.prepare(s.sql).bind(...s.params)))
            return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0)
          },
          catch: (cause) => new RepositoryError({ operation: "UserDataStore.deleteRows", cause })
        })
    }))
)
