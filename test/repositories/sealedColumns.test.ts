import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { SEALED_COLUMNS } from "../../src/features/connectors/vaultKeys"

// Every D1 column that holds TokenVault ciphertext must be walked by the vault-key rotation job, or retiring a key
// would leave it unopenable (issue 17: dead_letters' body and error were sealed but never re-wrapped). The migrations
// are read as the database gets them: every `*_ciphertext` column added by a CREATE TABLE or ALTER TABLE … ADD COLUMN.
const MIGRATIONS = join(__dirname, "../../migrations")

const sealedColumnsInMigrations = (): Array<string> => {
  const found = new Set<string>()
  for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith(".sql")).sort()) {
    const text = readFileSync(join(MIGRATIONS, file), "utf8").replace(/--.*$/gm, "")
    for (const table of text.matchAll(/CREATE TABLE(?: IF NOT EXISTS)?\s+(\w+)\s*\(([\s\S]*?)\n\)/gi)) {
      for (const column of table[2]!.matchAll(/^\s*(\w*ciphertext\w*)\s/gim)) found.add(`${table[1]}.${column[1]}`)
    }
    for (const added of text.matchAll(/ALTER TABLE\s+(\w+)\s+ADD\s+(?:COLUMN\s+)?(\w*ciphertext\w*)/gi)) found.add(`${added[1]}.${added[2]}`)
  }
  return [...found].sort()
}

describe("sealed columns", () => {
  it("every *_ciphertext column in the migrations is in the rotation job's SEALED_COLUMNS, and nothing else is", () => {
    const registered = Object.entries(SEALED_COLUMNS).flatMap(([table, { columns }]) => columns.map((c) => `${table}.${c}`)).sort()
    const inMigrations = sealedColumnsInMigrations()
    expect(inMigrations.length).toBeGreaterThanOrEqual(6)
    expect(inMigrations).toContain("dead_letters.body_ciphertext")
    // a new sealed column: add it to SEALED_COLUMNS (src/features/connectors/vaultKeys.ts) and walk it in rotateVaultKeys / keysInUse
    expect(registered, "SEALED_COLUMNS (src/features/connectors/vaultKeys.ts) vs the *ciphertext* columns of migrations/").toEqual(inMigrations)
  })
})
