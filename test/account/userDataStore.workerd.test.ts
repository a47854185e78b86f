// The registry-driven D1 export and deletion against real D1 in workerd: a person with a row in every table that
// names them (and another person they share bookings with); the export shows registered columns only, never a
// sealed value; after deletion a scan of every column of every table finds the person only in requests made to them
// (the other person's public records); in the bookings and audit events the other person keeps, an opaque id stands
// for them.
import { env } from "cloudflare:test"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { UserDataStoreLive } from "../../src/adapters/d1/UserDataStoreLive"
import { D1_USER_TABLES } from "../../src/domain/account/userData"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { UserDataStore } from "../../src/services/UserDataStore"

const ME = "did:plc:leavingperson000000000000"
const HANDLE = "leaving.example.test"
const OTHER = "did:plc:otherparty00000000000000"
const SEALED = "v1.k1.SEALEDVALUE"
const PSEUDONYM = "did:deleted:0123456789abcdef0123456789abcdef"
const now = Date.now()

const seed = () =>
  env.DB.batch([
    `INSERT INTO users (did, handle, pds_endpoint, status, created_at, updated_at) VALUES ('${ME}', '${HANDLE}', 'https://pds.example', 'active', ${now}, ${now})`,
    `INSERT INTO users (did, handle, pds_endpoint, status, created_at, updated_at) VALUES ('${OTHER}', 'other.example.test', 'https://pds.example', 'active', ${now}, ${now})`,
    `INSERT INTO connectors (id, did, provider, status, account_ref, token_ciphertext, key_id, created_at, updated_at) VALUES ('conn-1', '${ME}', 'google', 'active', 'me@example.test', X'${Buffer.from(SEALED).toString("hex")}', 'k1', ${now}, ${now})`,
    `INSERT INTO connector_sync_state (connector_id, calendar_id, sync_token, updated_at) VALUES ('conn-1', 'primary', 'sync-token', ${now})`,
    `INSERT INTO connector_push_channels (provider, channel_id, connector_id, did, calendar_id, resource_id, expires_at, created_at) VALUES ('google', 'ch-1', 'conn-1', '${ME}', 'primary', 'r-1', ${now + 1e6}, ${now})`,
    `INSERT INTO bookings (id, host_did, guest_did, status, start_at, end_at, tz, created_at, updated_at) VALUES ('bk-1', '${OTHER}', '${ME}', 'confirmed', ${now + 864e5}, ${now + 864e5 + 18e5}, 'UTC', ${now}, ${now})`,
    `INSERT INTO audit_events (booking_id, actor_did, event_type, from_state, to_state, created_at) VALUES ('bk-1', '${ME}', 'booking.confirm', 'held', 'confirmed', ${now})`,
    `INSERT INTO booking_requests (uri, guest_did, host_did, rkey, cid, rev, offer_uri, constraints, status, created_at, indexed_at) VALUES ('at://${ME}/app.overlap.bookingRequest/1', '${ME}', '${OTHER}', '1', 'cid', 'rev', 'at://${OTHER}/app.overlap.slotOffer/1', '{}', 'pending', ${now}, ${now})`,
    `INSERT INTO booking_requests (uri, guest_did, host_did, rkey, cid, rev, offer_uri, constraints, status, created_at, indexed_at) VALUES ('at://${OTHER}/app.overlap.bookingRequest/2', '${OTHER}', '${ME}', '2', 'cid', 'rev', 'at://${ME}/app.overlap.slotOffer/1', '{}', 'pending', ${now}, ${now})`,
    `INSERT INTO webhook_subscriptions (id, did, url, secret_ciphertext, key_id, created_at) VALUES ('wh-1', '${ME}', 'https://hooks.example/x', '${SEALED}', 'k1', ${now})`,
    `INSERT INTO service_auth_jtis (iss, jti, exp_at) VALUES ('${ME}', 'jti-1', ${now + 6e4})`,
    `INSERT INTO ingest_activity (did, last_event_at) VALUES ('${ME}', ${now})`
  ].map((sql) => env.DB.prepare(sql)))

/** Every table and column holding the value anywhere (every column of every table, not just the registered ones). */
const scan = async (value: string) => {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>()
  const found: Array<string> = []
  for (const { name } of tables) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>()
    for (const { name: column } of columns) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE CAST("${column}" AS TEXT) LIKE ?`).bind(`%${value}%`).first<{ n: number }>()
      if ((row?.n ?? 0) > 0) found.push(`${name}.${column}`)
    }
  }
  return found.sort()
}

const run = <A, E>(effect: Effect.Effect<A, E, UserDataStore>) =>
  Effect.runPromise(Effect.provide(effect, UserDataStoreLive.pipe(Layer.provide(CloudflareEnv.layer(env)))))

describe("UserDataStore (D1, by the registry)", () => {
  it("exports the registered columns of every row naming the person, and no sealed value", async () => {
    await seed()
    const sections = await run(Effect.flatMap(UserDataStore, (s) => s.exportRows({ did: ME, handle: HANDLE })))
    expect(sections.connectors).toEqual([expect.objectContaining({ id: "conn-1", provider: "google", status: "active" })])
    expect(sections.bookings).toEqual([expect.objectContaining({ id: "bk-1", host_did: OTHER, guest_did: ME })])
    expect(sections.bookingRequests).toHaveLength(2)
    expect(sections.auditEvents).toEqual([expect.objectContaining({ booking_id: "bk-1", event_type: "booking.confirm" })])
    expect(sections.webhooks).toEqual([expect.objectContaining({ id: "wh-1" })])
    const text = JSON.stringify(sections)
    expect(text).not.toContain("SEALEDVALUE")
    expect(text).not.toContain("sync-token")
    expect(text).not.toContain("me@example.test") // the provider account (an address) is not exported from D1
  })

  it("deletes the person's rows; what is left names them only in requests made to them; shared rows carry an opaque id", async () => {
    await seed()
    expect(await scan(ME)).toContain("connectors.did")
    const removed = await run(Effect.flatMap(UserDataStore, (s) => s.deleteRows({ did: ME, handle: HANDLE }, PSEUDONYM)))
    expect(removed).toBeGreaterThanOrEqual(8)
    const counterparts = new Set(D1_USER_TABLES.flatMap((t) => Object.entries(t.userColumns).filter(([, r]) => r === "counterpart").map(([c]) => `${t.table}.${c}`)))
    const left = await scan(ME)
    expect(left.filter((place) => !counterparts.has(place) && !place.endsWith(".uri") && !place.endsWith(".offer_uri"))).toEqual([])
    expect(left).toEqual(["booking_requests.host_did", "booking_requests.offer_uri"])
    expect(await scan(PSEUDONYM)).toEqual(["audit_events.actor_did", "bookings.guest_did"])
    expect(await env.DB.prepare("SELECT host_did, guest_did, status FROM bookings WHERE id = 'bk-1'").first()).toEqual({ host_did: OTHER, guest_did: PSEUDONYM, status: "confirmed" })
    expect(await scan(HANDLE)).toEqual([])
    expect(await scan("sync-token")).toEqual([])
    // the other person keeps their booking and the request they made
    expect(await scan(OTHER)).toEqual(expect.arrayContaining(["bookings.host_did", "booking_requests.guest_did", "users.did"]))
  })
})
