import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { EpochMillis } from "../../domain/identifiers"
import { SettingsDefsSettings } from "../../lexicon/schemas"
import { HostSettingsRepo, StoredHostSettings } from "../../services/HostSettingsRepo"
import { orRepositoryError, validateInput } from "../../services/RepositoryError"

/** A `host_settings` row (column names camelCased by D1Live): the settings document as JSON text. */
const Row = Schema.Struct({
  hostDid: Schema.String,
  settings: Schema.parseJson(SettingsDefsSettings),
  updatedAt: EpochMillis
})

const toStored = (row: typeof Row.Type): StoredHostSettings => ({ hostDid: row.hostDid, settings: row.settings, updatedAt: row.updatedAt })

export const HostSettingsRepoLive: Layer.Layer<HostSettingsRepo, never, SqlClient.SqlClient> = Layer.effect(
  HostSettingsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const get = SqlSchema.findOne({
      Request: Schema.String,
      Result: Row,
      execute: (hostDid) => sql`SELECT host_did, settings, updated_at FROM host_settings WHERE host_did = ${hostDid}`
    })

    const put = SqlSchema.single({
      Request: Schema.Struct({ hostDid: Schema.String, settings: Schema.parseJson(SettingsDefsSettings), now: EpochMillis }),
      Result: Row,
      execute: (r) =>
        sql`INSERT INTO host_settings (host_did, settings, updated_at) VALUES (${r.hostDid}, ${r.settings}, ${r.now})
            ON CONFLICT (host_did) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            RETURNING host_did, settings, updated_at`
    })

    return HostSettingsRepo.of({
      get: (hostDid) => get(hostDid).pipe(Effect.map(Option.map(toStored)), orRepositoryError("HostSettingsRepo.get")),
      put: (hostDid, settings) =>
        Effect.all([validateInput(StoredHostSettings, "HostSettingsRepo.put")({ hostDid, settings, updatedAt: 0 }), Clock.currentTimeMillis]).pipe(
          Effect.flatMap(([, now]) => put({ hostDid, settings, now })),
          Effect.map(toStored),
          orRepositoryError("HostSettingsRepo.put")
        )
    })
  })
)
