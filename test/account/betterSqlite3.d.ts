// better-sqlite3 comes with @atproto/pds (the local PDS the Node tests run); it ships no types and @types is not
// installed. The registry test uses this much of it.
declare module "better-sqlite3" {
  interface Statement {
    all(...params: ReadonlyArray<unknown>): Array<unknown>
  }
  class Database {
    constructor(filename: string)
    exec(sql: string): this
    prepare(sql: string): Statement
    close(): void
  }
  export default Database
}
