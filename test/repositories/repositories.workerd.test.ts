import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { RepositoriesLive } from "../../src/adapters/d1/RepositoriesLive"
import { repositorySuite } from "./repositorySuite"

// The D1 layers over the real local D1 binding, inside workerd. isolatedStorage gives every test a
// fresh database with migrations/ applied (test/support/applyMigrations.ts).
const envLayer = CloudflareEnv.layer(env)
repositorySuite("D1 (Live layers, workerd)", RepositoriesLive.pipe(Layer.provide(envLayer)))

describe("D1 schema constraints (Live only)", () => {
  const sqlLayer = D1Live.pipe(Layer.provide(envLayer))
  const rejects = (statement: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(statement(sql))
      expect(String((error as { cause?: unknown }).cause ?? error)).toMatch(/constraint|cannot store/i)
    }).pipe(Effect.provide(sqlLayer))

  it.effect("CHECK refuses an unknown enum value in every enum column", () =>
    Effect.gen(function*() {
      yield* rejects((sql) =>
        sql`INSERT INTO users (did, status, created_at, updated_at) VALUES ('did:plc:a', 'banned', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO connectors (id, did, provider, created_at, updated_at)
            VALUES ('c1', 'did:plc:a', 'yahoo', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO connectors (id, did, provider, status, created_at, updated_at)
            VALUES ('c1', 'did:plc:a', 'google', 'expired', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO offers_index (uri, did, rkey, cid, rev, start_at, end_at, policy, tz, created_at, indexed_at)
            VALUES ('at://x/y/z', 'did:plc:a', 'z', 'c', 'r', 0, 1, 'friends', 'UTC', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO booking_requests (uri, guest_did, host_did, rkey, cid, rev, constraints, status, created_at, indexed_at)
            VALUES ('at://x/y/z', 'did:plc:a', 'did:plc:b', 'z', 'c', 'r', '{}', 'maybe', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at)
            VALUES ('b1', 'did:plc:a', 'did:plc:b', 'tentative', 0, 1, 'UTC', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO audit_events (actor_did, event_type, from_state, created_at)
            VALUES ('did:plc:a', 'x', 'nowhere', 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO idempotency_keys (caller_did, method, idem_key, request_hash, state, created_at, expires_at)
            VALUES ('did:plc:a', 'm', 'k', 'h', 'done', 0, 1)`)
    }))

  it.effect("the other CHECKs and STRICT typing hold", () =>
    Effect.gen(function*() {
      // plaintext-looking token without a key id
      yield* rejects((sql) =>
        sql`INSERT INTO connectors (id, did, provider, token_ciphertext, created_at, updated_at)
            VALUES ('c1', 'did:plc:a', 'google', X'00', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO connectors (id, did, provider, calendars, created_at, updated_at)
            VALUES ('c1', 'did:plc:a', 'google', 'not json', 0, 0)`)
      yield* rejects((sql) =>
        sql`INSERT INTO offers_index (uri, did, rkey, cid, rev, start_at, end_at, policy, tz, created_at, indexed_at, hidden)
            VALUES ('at://x/y/z', 'did:plc:a', 'z', 'c', 'r', 0, 1, 'anyone', 'UTC', 0, 0, 2)`)
      // STRICT: text in an INTEGER instant column
      yield* rejects((sql) =>
        sql`INSERT INTO firehose_cursors (source, cursor, updated_at) VALUES ('s', 'yesterday', 0)`)
      // a completed idempotency entry needs its response
      yield* rejects((sql) =>
        sql`INSERT INTO idempotency_keys (caller_did, method, idem_key, request_hash, state, created_at, expires_at)
            VALUES ('did:plc:a', 'm', 'k', 'h', 'completed', 0, 1)`)
    }))

  it.effect("the listing queries use their indexes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const plan = (statement: Effect.Effect<ReadonlyArray<{ detail?: unknown }>, unknown>) =>
        Effect.map(statement, (rows) => rows.map((r) => String(r.detail)).join(" | "))
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM bookings WHERE host_did = 'x'
        AND (created_at, id) < (1, 'a') ORDER BY created_at DESC, id DESC LIMIT 5`)).toMatch(/bookings_by_host/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM bookings WHERE status = 'held'
        AND hold_expires_at <= 5 ORDER BY hold_expires_at, id LIMIT 5`)).toMatch(/bookings_held_by_expiry/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT * FROM offers_index WHERE did = 'x' AND hidden = 0
        AND start_at < 5 ORDER BY start_at, uri LIMIT 5`)).toMatch(/offers_index_by_did_start/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN DELETE FROM idempotency_keys WHERE rowid IN (
        SELECT rowid FROM idempotency_keys WHERE expires_at <= 5 LIMIT 5)`)).toMatch(/idempotency_keys_by_expiry/)
    }).pipe(Effect.provide(sqlLayer)))
})
