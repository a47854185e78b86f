import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import worker from "../../src/entry/appview"

describe("appview crons", () => {
  it("expire-holds sweeps expired idempotency keys and jti claims from D1, and keeps live ones", async () => {
    const now = Date.now()
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO service_auth_jtis (iss, jti, exp_at) VALUES ('did:plc:a', 'old', ?), ('did:plc:a', 'live', ?)"
      ).bind(now - 60_000, now + 60_000),
      env.DB.prepare(
        `INSERT INTO idempotency_keys (caller_did, method, idem_key, request_hash, state, created_at, expires_at)
         VALUES ('did:plc:a', 'app.overlap.match', 'k-old', 'h', 'in_flight', ?, ?),
                ('did:plc:a', 'app.overlap.match', 'k-live', 'h', 'in_flight', ?, ?)`
      ).bind(now - 90_000_000, now - 1, now, now + 86_400_000)
    ])
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: now }), env, ctx)
    await waitOnExecutionContext(ctx)
    const jtis = await env.DB.prepare("SELECT jti FROM service_auth_jtis ORDER BY jti").all<{ jti: string }>()
    expect(jtis.results.map((r) => r.jti)).toEqual(["live"])
    const keys = await env.DB.prepare("SELECT idem_key FROM idempotency_keys").all<{ idem_key: string }>()
    expect(keys.results.map((r) => r.idem_key)).toEqual(["k-live"])
  })
})
