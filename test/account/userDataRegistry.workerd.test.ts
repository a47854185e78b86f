// The registry of where a person's data lives (src/domain/account/userData.ts) against the schema the migrations
// build in D1 (all of them, applied by test/support/applyMigrations.ts): every table is registered or named as
// holding nobody's data, every column naming a user (a DID, a handle) has a removal, no export shows a sealed
// column. A migration that adds a user column without a registry entry fails here.
import { env } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import { registryGaps } from "../../src/domain/account/userDataCoverage"

const schemaOf = async () => {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>()
  const schema = new Map<string, ReadonlyArray<string>>()
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>()
    schema.set(name, results.map((c) => c.name))
  }
  return schema
}

describe("the user data registry covers the schema", () => {
  it("every table the migrations create is registered, and every column naming a user has a removal", async () => {
    const schema = await schemaOf()
    expect(schema.has("connectors") && schema.has("bookings")).toBe(true)
    expect(registryGaps(schema)).toEqual([])
  })

  it("fails for a migration that adds a table with a user DID column, or a DID column to a table, the registry does not cover", async () => {
    await env.DB.exec("CREATE TABLE meeting_notes (booking_id TEXT NOT NULL, author_did TEXT NOT NULL, body TEXT)")
    expect(registryGaps(await schemaOf())).toEqual(["table meeting_notes is neither in D1_USER_TABLES / D1_LINKED_TABLES nor in NOT_USER_DATA"])
    await env.DB.exec("DROP TABLE meeting_notes")
    await env.DB.exec("ALTER TABLE offers_index ADD COLUMN cohost_did TEXT")
    expect(registryGaps(await schemaOf())).toEqual(["offers_index.cohost_did names a user and has no removal in D1_USER_TABLES"])
  })
})
