// The registry of where a person's data lives (src/domain/account/userData.ts) against the schema the migrations
// build: every table is either registered or named as holding nobody's data; every column naming a user (a DID, a
// handle) is covered; an export never shows a sealed column. Adding a migration with a user column and no
// registry entry fails here.
import Database from "better-sqlite3"
import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { D1_LINKED_TABLES, D1_USER_TABLES, NAMES_A_USER, NEVER_EXPORTED, NOT_USER_DATA } from "../../src/domain/account/userData"

const migrations = path.resolve(import.meta.dirname, "..", "..", "migrations")

/** Every table (and its columns) that the migrations, applied in name order to an empty SQLite database, create. */
const schemaOf = (extraSql?: string) => {
  const db = new Database(":memory:")
  for (const file of readdirSync(migrations).filter((f) => f.endsWith(".sql")).sort()) db.exec(readFileSync(path.join(migrations, file), "utf8"))
  if (extraSql !== undefined) db.exec(extraSql)
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all() as Array<{ name: string }>
  const schema = new Map(tables.map(({ name }) => [name, (db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>).map((c) => c.name)]))
  db.close()
  return schema
}

/** What the registry leaves uncovered in a schema: unregistered tables, user columns without a removal. */
const gaps = (schema: Map<string, ReadonlyArray<string>>) => {
  const registered = new Map(D1_USER_TABLES.map((t) => [t.table, t]))
  const linked = new Set(D1_LINKED_TABLES.map((t) => t.table))
  const problems: Array<string> = []
  for (const [table, columns] of schema) {
    const entry = registered.get(table)
    if (entry === undefined && !linked.has(table) && !(table in NOT_USER_DATA)) {
      problems.push(`table ${table} is neither in D1_USER_TABLES / D1_LINKED_TABLES nor in NOT_USER_DATA`)
      continue
    }
    for (const column of columns.filter((c) => NAMES_A_USER.test(c))) {
      if (entry?.userColumns[column] === undefined) problems.push(`${table}.${column} names a user and has no removal in D1_USER_TABLES`)
    }
  }
  return problems
}

describe("the user data registry covers the schema", () => {
  it("every table the migrations create is registered, and every column naming a user has a removal", () => {
    expect(gaps(schemaOf())).toEqual([])
  })

  it("fails for a migration that adds a table with a user DID column the registry does not cover", () => {
    const problems = gaps(schemaOf("CREATE TABLE meeting_notes (booking_id TEXT NOT NULL, author_did TEXT NOT NULL, body TEXT) STRICT;"))
    expect(problems).toContain("table meeting_notes is neither in D1_USER_TABLES / D1_LINKED_TABLES nor in NOT_USER_DATA")
    const column = gaps(schemaOf("ALTER TABLE offers_index ADD COLUMN cohost_did TEXT;"))
    expect(column).toEqual(["offers_index.cohost_did names a user and has no removal in D1_USER_TABLES"])
  })

  it("names only tables and columns that exist, exports no sealed column, links to registered parents", () => {
    const schema = schemaOf()
    for (const t of D1_USER_TABLES) {
      const columns = schema.get(t.table)
      expect(columns, t.table).toBeDefined()
      for (const c of Object.keys(t.userColumns)) expect(columns, `${t.table}.${c}`).toContain(c)
      for (const c of t.export?.columns ?? []) {
        expect(columns, `${t.table}.${c}`).toContain(c)
        expect(NEVER_EXPORTED.test(c), `${t.table}.${c} is sealed or secret`).toBe(false)
      }
    }
    for (const t of D1_LINKED_TABLES) {
      expect(schema.get(t.table), t.table).toContain(t.column)
      expect(D1_USER_TABLES.find((p) => p.table === t.parent.table)?.userColumns[t.parent.userColumn], t.table).toBeDefined()
    }
    for (const table of Object.keys(NOT_USER_DATA)) expect(schema.has(table), table).toBe(true)
  })
})
