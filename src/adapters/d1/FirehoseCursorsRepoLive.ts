import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { FirehoseCursorsRepo } from "../../services/FirehoseCursorsRepo"
import { orRepositoryError } from "../../services/RepositoryError"

const decodeCursors = Schema.decodeUnknown(Schema.Array(Schema.Struct({ cursor: Schema.Int })))

export const FirehoseCursorsRepoLive: Layer.Layer<FirehoseCursorsRepo, never, SqlClient.SqlClient> = Layer.effect(
  FirehoseCursorsRepo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const write = (source: string, cursor: number, onlyIfNewer: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        sql`INSERT INTO firehose_cursors (source, cursor, updated_at) VALUES (${source}, ${cursor}, ${now})
            ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            ${onlyIfNewer ? sql`WHERE excluded.cursor > firehose_cursors.cursor` : sql``}
            RETURNING cursor`)
    return FirehoseCursorsRepo.of({
      get: (source) =>
        sql`SELECT cursor FROM firehose_cursors WHERE source = ${source}`.pipe(
          Effect.flatMap(decodeCursors),
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => r.cursor)),
          orRepositoryError("FirehoseCursorsRepo.get")
        ),
      set: (source, cursor) =>
        write(source, cursor, true).pipe(
          Effect.map((rows) => rows.length > 0),
          orRepositoryError("FirehoseCursorsRepo.set")
        ),
      reset: (source, cursor) =>
        write(source, cursor, false).pipe(Effect.asVoid, orRepositoryError("FirehoseCursorsRepo.reset"))
    })
  })
)
