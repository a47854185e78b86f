import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test"
import { Effect, Encoding } from "effect"
import { describe, expect, it } from "vitest"
import { makeTokenVault } from "../../src/adapters/crypto/TokenVaultLive"
import worker from "../../src/entry/appview"
import { webhookSecretBinding } from "../../src/services/WebhookSubscriptions"

// Issue 12 item 10 through the AppView worker itself: the operator endpoint and the refresh-oauth cron.
describe("vault keys through the appview worker", () => {
  const OLD = Encoding.encodeBase64(new Uint8Array(32).fill(0x41))
  const NEW = Encoding.encodeBase64(new Uint8Array(32).fill(0x42))
  const DID = "did:plc:vaultowner00000000000000"
  const production = (keys: Record<string, string>, current: string) => ({
    ...env,
    ENVIRONMENT: "production",
    OPERATOR_SECRET: "operator-secret",
    TOKEN_VAULT_KEYS: JSON.stringify({ current, keys })
  })
  const ask = async (workerEnv: typeof env, query: string, method = "GET") => {
    const response = await worker.fetch(
      new Request(`https://appview.example/operator/vault-keys${query}`, { method, headers: { authorization: "Bearer operator-secret" } }),
      workerEnv
    )
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it("a broken and a pending connector and a webhook secret under the old key: removal refused, the cron rotates them, then allowed", async () => {
    const now = Date.now()
    const vault = await Effect.runPromise(makeTokenVault({ keys: JSON.stringify({ current: "old", keys: { old: OLD } }), environment: "production" }))
    const seal = (text: string, binding: { did: string; provider: string; connectorId: string }) => Effect.runPromise(vault.encrypt(text, binding))
    const broken = await seal("refresh-1", { did: DID, provider: "google", connectorId: "c-broken" })
    const pending = await seal("caldav-secret", { did: DID, provider: "caldav", connectorId: "c-pending" })
    const secret = await seal("whsec_x", webhookSecretBinding({ did: DID, id: "wh_1" }))
    await env.DB.batch([
      env.DB.prepare(`INSERT INTO connectors (id, did, provider, status, token_ciphertext, key_id, created_at, updated_at)
        VALUES ('c-broken', ?1, 'google', 'broken', CAST(?2 AS BLOB), 'old', ?4, ?4),
               ('c-pending', ?1, 'caldav', 'pending', CAST(?3 AS BLOB), 'old', ?4, ?4)`).bind(DID, broken.ciphertext, pending.ciphertext, now),
      env.DB.prepare(`INSERT INTO webhook_subscriptions (id, did, url, secret_ciphertext, key_id, created_at)
        VALUES ('wh_1', ?1, 'https://hooks.example.com/x', ?2, 'old', ?3)`).bind(DID, secret.ciphertext, now)
    ])

    const rotating = production({ old: OLD, new: NEW }, "new")
    expect((await worker.fetch(new Request("https://appview.example/operator/vault-keys"), rotating)).status).toBe(401)
    const refused = await ask(rotating, "?remove=old")
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({
      error: "VaultKeyInUse",
      uses: ["1 broken connector credential(s)", "1 pending connector credential(s)", "1 enabled webhook signing secret(s)"]
    })

    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: "*/10 * * * *", scheduledTime: now }), rotating, ctx)
    await waitOnExecutionContext(ctx)

    const keys = await env.DB.prepare("SELECT key_id FROM connectors UNION ALL SELECT key_id FROM webhook_subscriptions").all<{ key_id: string }>()
    expect(keys.results.map((r) => r.key_id)).toEqual(["new", "new", "new"])
    expect(await ask(rotating, "?remove=old")).toEqual({ status: 200, body: { keyId: "old", removable: true } })
  })
})
