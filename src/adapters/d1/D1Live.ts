import type { SqlClient } from "@effect/sql"
import { D1Client } from "@effect/sql-d1"
import { Effect, Layer, String } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * `SqlClient` (and `D1Client`) over the worker's `DB` binding. Queries are written with camelCase
 * names in `sql.insert` / `sql.update` and rows come back camelCase: the columns stay snake_case.
 * D1 has no interactive transactions (`sql.withTransaction` dies): use `D1Batch.batch` for atomic
 * multi-statement writes.
 */
export const D1Live: Layer.Layer<
  D1Client.D1Client | SqlClient.SqlClient,
  never,
  CloudflareEnv
> =
  Layer.unwrapEffect(
    Effect.map(CloudflareEnv, (env) =>
      D1Client.layer({
        db: env.DB,
        transformQueryNames: String.camelToSnake,
        transformResultNames: String.snakeToCamel
      }))
  ).pipe(Layer.orDie)
