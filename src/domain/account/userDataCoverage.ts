import { D1_LINKED_TABLES, D1_USER_TABLES, NAMES_A_USER, NEVER_EXPORTED, NOT_USER_DATA } from "./userData"

/**
 * What the registry (./userData.ts) leaves uncovered in a schema (table → column names, as the migrations build
 * it): a table neither registered nor named as holding nobody's data; a column naming a user (a DID, a handle)
 * with no removal; a registered column the table lacks; an export that would show a sealed column. A registry
 * entry may come before the migration creating its table (features built at the same time register ahead).
 */
export const registryGaps = (schema: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<string> => {
  const registered = new Map(D1_USER_TABLES.map((t) => [t.table, t]))
  const linked = new Map(D1_LINKED_TABLES.map((t) => [t.table, t]))
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
    const named = [...Object.keys(entry?.userColumns ?? {}), ...(entry?.export?.columns ?? []), ...(linked.has(table) ? [linked.get(table)!.column] : [])]
    for (const column of named.filter((c) => !columns.includes(c))) problems.push(`${table}.${column} is registered but the table has no such column`)
  }
  for (const t of D1_USER_TABLES) {
    for (const column of (t.export?.columns ?? []).filter((c) => NEVER_EXPORTED.test(c))) problems.push(`${t.table}.${column} is sealed or secret and may not be exported`)
  }
  for (const t of D1_LINKED_TABLES) {
    if (registered.get(t.parent.table)?.userColumns[t.parent.userColumn] === undefined) problems.push(`${t.table} links to ${t.parent.table}.${t.parent.userColumn}, which is not a registered user column`)
  }
  return problems
}
