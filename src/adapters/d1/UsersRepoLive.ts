import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { orRepositoryError } from "../../services/RepositoryError"
import { EpochMillis } from "../../domain/identifiers"
import { User, UserNotFound, UserProfile, UsersRepo, UserStatus } from "../../services/UsersRepo"

export const UsersRepoLive: Layer.Layer<UsersRepo, never, SqlClient.SqlClient> = Layer.effect(
  UsersRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const upsert = SqlSchema.single({
      Request: Schema.Struct({ ...UserProfile.fields, now: EpochMillis }),
      Result: User,
      execute: (u) =>
        sql`INSERT INTO users (did, handle, pds_endpoint, status, created_at, updated_at)
            VALUES (${u.did}, ${u.handle}, ${u.pdsEndpoint}, 'active', ${u.now}, ${u.now})
            ON CONFLICT (did) DO UPDATE SET
              handle = excluded.handle,
              pds_endpoint = excluded.pds_endpoint,
              updated_at = excluded.updated_at
            RETURNING *`
    })

    const get = SqlSchema.findOne({
      Request: Schema.String,
      Result: User,
      execute: (did) => sql`SELECT * FROM users WHERE did = ${did}`
    })

    const setStatus = SqlSchema.findOne({
      Request: Schema.Struct({ did: Schema.String, status: UserStatus, now: EpochMillis }),
      Result: User,
      execute: (r) =>
        sql`UPDATE users SET status = ${r.status}, updated_at = ${r.now} WHERE did = ${r.did} RETURNING *`
    })

    return UsersRepo.of({
      upsert: (profile) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((now) => upsert({ ...profile, now })),
          orRepositoryError("UsersRepo.upsert")
        ),
      get: (did) => get(did).pipe(orRepositoryError("UsersRepo.get")),
      setStatus: (did, status) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((now) => setStatus({ did, status, now })),
          orRepositoryError("UsersRepo.setStatus"),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new UserNotFound({ did })),
            onSome: Effect.succeed
          }))
        )
    })
  })
)
