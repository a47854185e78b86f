// The deletion scan (docs/threat-model.md, "Account deletion"): every place in the AppView's stores where a value
// (a DID, a handle, a sealed secret) still occurs — every D1 table and column, every KV namespace the AppView binds,
// every R2 object, and the storage of every Durable Object the test made (the host objects and their day shards
// included: listDurableObjectIds lists every object of a namespace that has storage).
import { env, listDurableObjectIds, runInDurableObject } from "cloudflare:test"

/** Every D1 table and column whose value contains `value`. */
export const scanD1 = async (value: string) => {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>()
  const found: Array<string> = []
  for (const { name } of tables) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>()
    // one query per table: for each column, whether any row's value contains `value`
    const hits = await env.DB.prepare(`SELECT ${columns.map((c, i) => `max(CAST("${c.name}" AS TEXT) LIKE ?1) AS c${i}`).join(", ")} FROM "${name}"`)
      .bind(`%${value}%`).first<Record<string, number | null>>()
    columns.forEach((c, i) => {
      if (hits?.[`c${i}`] === 1) found.push(`${name}.${c.name}`)
    })
  }
  return found.sort()
}

/** Every KV key (of every namespace the AppView binds) whose name or value contains `value`. */
export const scanKv = async (value: string) => {
  const found: Array<string> = []
  for (const [binding, kv] of [["GRAPH_CACHE", env.GRAPH_CACHE], ["FEATURES", env.FEATURES], ["SESSION_NONCES", env.SESSION_NONCES]] as const) {
    let cursor: string | undefined
    do {
      const page: KVNamespaceListResult<unknown, string> = await kv.list(cursor === undefined ? {} : { cursor })
      for (const key of page.keys) {
        if (key.name.includes(value) || ((await kv.get(key.name)) ?? "").includes(value)) found.push(`${binding}:${key.name}`)
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor !== undefined)
  }
  return found.sort()
}

/** Every R2 object whose key or body contains `value`. */
export const scanR2 = async (value: string) => {
  const found: Array<string> = []
  let cursor: string | undefined
  do {
    const page = await env.BLOBS.list(cursor === undefined ? {} : { cursor })
    for (const object of page.objects) {
      if (object.key.includes(value) || ((await (await env.BLOBS.get(object.key))?.text()) ?? "").includes(value)) found.push(object.key)
    }
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  return found.sort()
}

/** Every Durable Object of the AppView's classes that has storage, whose SQLite tables or key-value storage contain `value`. */
export const scanObjects = async (value: string) => {
  const namespaces = { HOST_MATCH: env.HOST_MATCH, BOOKING: env.BOOKING, USER_CONNECTOR: env.USER_CONNECTOR, RATE_LIMITER: env.RATE_LIMITER, SESSION: env.SESSION } as unknown as Record<string, DurableObjectNamespace>
  const found: Array<string> = []
  for (const [binding, namespace] of Object.entries(namespaces)) {
    for (const id of await listDurableObjectIds(namespace)) {
      const dump = await runInDurableObject(namespace.get(id), async (_instance, state) => {
        const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()
        const rows = tables.map(({ name }) => ({ [name]: state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray() }))
        return JSON.stringify({ rows, kv: [...(await state.storage.list()).entries()] })
      })
      if (dump.includes(value)) found.push(`${binding}:${id.toString()}`)
    }
  }
  return found
}
