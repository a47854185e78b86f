import { D1_LINKED_TABLES, D1_USER_TABLES } from "./userData"

/** One SQL statement with its bound parameters. */
export interface Statement {
  /** The table it reads or writes (a store may leave out tables its migrations have not created yet). */
  readonly table: string
  readonly sql: string
  readonly params: ReadonlyArray<string>
}

/** The person whose data is read or removed: the DID, and the handle when known (the users row carries it). */
export interface UserRef {
  readonly did: string
  readonly handle?: string | undefined
}

const valueFor = (user: UserRef, column: string): string | undefined => (column === "handle" ? user.handle : user.did)

/** The opaque id that stands for a deleted person in rows that are also another person's: random per deletion. */
export const deletedPseudonym = (randomHex: string) => `did:deleted:${randomHex}`

/**
 * The D1 statements that remove a person (src/domain/account/userData.ts): rows linked through a parent first
 * (a connector's sync state before the connector), then every `delete` and `expires` column, and the person's DID
 * replaced by `pseudonym` in every `pseudonymize` column. `counterpart` columns are left: those rows are also
 * another person's. Run as one batch, so it is all or nothing.
 */
export const deletionStatements = (user: UserRef, pseudonym: string): ReadonlyArray<Statement> => [
  ...D1_LINKED_TABLES.map((t) => ({
    table: t.table,
    sql: `DELETE FROM ${t.table} WHERE ${t.column} IN (SELECT ${t.parent.key} FROM ${t.parent.table} WHERE ${t.parent.userColumn} = ?)`,
    params: [user.did]
  })),
  ...D1_USER_TABLES.flatMap((t) =>
    Object.entries(t.userColumns).flatMap(([column, removal]) => {
      const value = valueFor(user, column)
      if (removal === "counterpart" || value === undefined) return []
      return removal === "pseudonymize"
        ? [{ table: t.table, sql: `UPDATE ${t.table} SET ${column} = ? WHERE ${column} = ?`, params: [pseudonym, value] }]
        : [{ table: t.table, sql: `DELETE FROM ${t.table} WHERE ${column} = ?`, params: [value] }]
    }))
]

/** One export section's query: the registered columns of the rows naming the person in any user column. */
export interface ExportQuery extends Statement {
  readonly section: string
}

export const exportQueries = (user: UserRef): ReadonlyArray<ExportQuery> =>
  D1_USER_TABLES.flatMap((t) => {
    if (t.export === undefined) return []
    const columns = Object.keys(t.userColumns).filter((c) => valueFor(user, c) !== undefined)
    if (columns.length === 0) return []
    const through = t.export.alsoThrough
    const parentColumns = through?.parent.userColumns.filter((c) => valueFor(user, c) !== undefined) ?? []
    const viaParent = through === undefined || parentColumns.length === 0
      ? []
      : [`${through.column} IN (SELECT ${through.parent.key} FROM ${through.parent.table} WHERE ${parentColumns.map((c) => `${c} = ?`).join(" OR ")})`]
    return [{
      table: t.table,
      section: t.export.section,
      sql: `SELECT ${t.export.columns.join(", ")} FROM ${t.table} WHERE ${[...columns.map((c) => `${c} = ?`), ...viaParent].join(" OR ")}`,
      params: [...columns, ...parentColumns].map((c) => valueFor(user, c)!)
    }]
  })

/** The statements that find what is left of a person in D1 after deletion: every user column of every table. */
export const residueQueries = (user: UserRef): ReadonlyArray<Statement & { readonly column: string }> =>
  D1_USER_TABLES.flatMap((t) =>
    Object.keys(t.userColumns).flatMap((column) => {
      const value = valueFor(user, column)
      return value === undefined ? [] : [{ table: t.table, column, sql: `SELECT count(*) AS n FROM ${t.table} WHERE ${column} = ?`, params: [value] }]
    }))
