import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { ConnectorsRepoLive } from "../../src/adapters/d1/ConnectorsRepoLive"
import { D1Live } from "../../src/adapters/d1/D1Live"
import { DeadLetterSealedValuesLive } from "../../src/adapters/d1/DeadLetterSealedValuesLive"
import { BookingNoteSealedValuesLive } from "../../src/adapters/d1/BookingNoteSealedValuesLive"
import { NotifySealedValuesLive } from "../../src/adapters/d1/NotifySealedValuesLive"
import { WebhookSubscriptionsRepoLive } from "../../src/adapters/d1/WebhookSubscriptionsRepoLive"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { vaultKeysSuite } from "./vaultKeysSuite"

// The D1 repositories (migrations applied, fresh storage per test): BLOB ciphertexts compared and replaced in SQL.
const d1 = D1Live.pipe(Layer.provide(CloudflareEnv.layer(env)))
vaultKeysSuite("D1", Layer.mergeAll(ConnectorsRepoLive, WebhookSubscriptionsRepoLive, NotifySealedValuesLive, DeadLetterSealedValuesLive, BookingNoteSealedValuesLive).pipe(Layer.provide(d1)))

describe("vault key query plans", () => {
  it.effect("the keys-in-use counts read only their indexes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const plan = (statement: Effect.Effect<ReadonlyArray<{ detail?: unknown }>, unknown>) =>
        Effect.map(statement, (rows) => rows.map((r) => String(r.detail)).join(" | "))
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT key_id, status, count(*) AS count FROM connectors WHERE key_id IS NOT NULL
        GROUP BY key_id, status ORDER BY key_id, status`)).toMatch(/COVERING INDEX connectors_by_key_id/)
      expect(yield* plan(sql`EXPLAIN QUERY PLAN SELECT key_id, CASE WHEN disabled_at IS NULL THEN 'enabled' ELSE 'disabled' END AS status,
        count(*) AS count FROM webhook_subscriptions GROUP BY 1, 2 ORDER BY 1, 2`)).toMatch(/COVERING INDEX webhook_subscriptions_by_key_id/)
    }).pipe(Effect.provide(d1)))
})
