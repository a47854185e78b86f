import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { ConnectorsRepoLive } from "../../src/adapters/d1/ConnectorsRepoLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { connectorsRepoSuite } from "./connectorsRepoSuite"

// ConnectorsRepo over the real D1 binding (migrations applied, fresh storage per test): the BLOB ciphertext
// column round-trips the envelope string, STRICT types and CHECKs hold.
const d1 = D1Live.pipe(Layer.provide(CloudflareEnv.layer(env)))
connectorsRepoSuite("D1", ConnectorsRepoLive.pipe(Layer.provide(d1)))

describe("ConnectorsRepo query plans", () => {
  it.effect("each connector query reads its index", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const plan = (statement: Effect.Effect<ReadonlyArray<{ detail?: unknown }>, unknown>) =>
        Effect.map(statement, (rows) => rows.map((r) => String(r.detail)).join(" | "))
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM connectors WHERE did = 'x' AND status <> 'removed'
        ORDER BY created_at, id`)).toMatch(/connectors_by_did/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM connectors WHERE status = 'active' AND token_expires_at <= 5
        ORDER BY token_expires_at LIMIT 5`)).toMatch(/connectors_by_token_expiry/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM connectors WHERE provider = 'caldav' AND status = 'active'
        AND id > '' ORDER BY id LIMIT 5`)).toMatch(/connectors_by_provider/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM connectors WHERE status = 'pending' AND created_at <= 5
        ORDER BY created_at LIMIT 5`)).toMatch(/connectors_pending/)
    }).pipe(Effect.provide(d1)))
})
