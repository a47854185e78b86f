/**
 * The operator console's metric queries, each written once and read two ways: as Workers Analytics Engine SQL (the
 * SQL API, `toSql`) and as the same computation over locally recorded data points (`evaluate`, development and
 * tests), so both answer the same JSON shape: `{ meta, data, rows }` as the SQL API's `FORMAT JSON` does.
 *
 * Sampling: Analytics Engine may keep one row for several written points and says how many in `_sample_interval`;
 * every count is `sum(_sample_interval)` and every quantile weighted by it (`quantileExactWeighted`). A local point
 * stands for itself (interval 1).
 */

/** One data point as written (Analytics Engine's row, or a row of the local record). */
export interface RecordedPoint {
  /** epoch ms */
  readonly timestamp: number
  readonly index1: string
  readonly blobs: ReadonlyArray<string>
  readonly doubles: ReadonlyArray<number>
}

/** A row's condition, as SQL and as a predicate over a point. */
export interface Condition {
  readonly sql: string
  readonly test: (point: RecordedPoint) => boolean
}

/** An aggregate column: its SQL and the same over a group's points. */
export interface Aggregate {
  readonly name: string
  readonly sql: string
  readonly local: (points: ReadonlyArray<RecordedPoint>) => number
}

export interface MetricQuery {
  readonly id: string
  /** The data points' `index1` (metric name). */
  readonly metric: string
  readonly where: ReadonlyArray<Condition>
  /** Group by a blob (1-based, e.g. 2 = blob2), named `label` in the answer. */
  readonly byBlob?: number
  /** Group into time buckets, named `t` ("YYYY-MM-DD hh:mm:ss", UTC). */
  readonly overTime: boolean
  readonly aggregates: ReadonlyArray<Aggregate>
}

/** The window and bucket a query is run over. */
export interface QueryWindow {
  readonly minutes: number
  readonly bucketMinutes: number
}

export interface ResultColumn {
  readonly name: string
  readonly type: string
}

/** What the SQL API answers to a `FORMAT JSON` query (numbers may come as strings: read them with `Number`). */
export interface QueryResult {
  readonly meta: ReadonlyArray<ResultColumn>
  readonly data: ReadonlyArray<Readonly<Record<string, string | number>>>
  readonly rows: number
}

const blob = (point: RecordedPoint, n: number) => point.blobs[n - 1] ?? ""
const double = (point: RecordedPoint, n: number) => point.doubles[n - 1] ?? 0
const quote = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

// --- conditions ---

export const blobIs = (n: number, value: string): Condition => ({ sql: `blob${n} = ${quote(value)}`, test: (p) => blob(p, n) === value })
export const blobIn = (n: number, values: ReadonlyArray<string>): Condition => ({
  sql: `blob${n} IN (${values.map(quote).join(", ")})`,
  test: (p) => values.includes(blob(p, n))
})
export const blobNot = (n: number, value: string): Condition => ({ sql: `blob${n} != ${quote(value)}`, test: (p) => blob(p, n) !== value })
export const doubleAtMost = (n: number, value: number): Condition => ({ sql: `double${n} <= ${value}`, test: (p) => double(p, n) <= value })
export const doubleAtLeast = (n: number, value: number): Condition => ({ sql: `double${n} >= ${value}`, test: (p) => double(p, n) >= value })
export const all = (...conditions: ReadonlyArray<Condition>): Condition => ({
  sql: conditions.map((c) => `(${c.sql})`).join(" AND "),
  test: (p) => conditions.every((c) => c.test(p))
})
export const not = (condition: Condition): Condition => ({ sql: `NOT (${condition.sql})`, test: (p) => !condition.test(p) })

// --- aggregates ---

/** Points represented (sampling-corrected count). */
export const count = (name: string): Aggregate => ({ name, sql: "sum(_sample_interval)", local: (ps) => ps.length })
export const countIf = (name: string, condition: Condition): Aggregate => ({
  name,
  sql: `sumIf(_sample_interval, ${condition.sql})`,
  local: (ps) => ps.filter(condition.test).length
})
/** Sampling-corrected sum of a double. */
export const sumOf = (name: string, n: number): Aggregate => ({ name, sql: `sum(_sample_interval * double${n})`, local: (ps) => ps.reduce((s, p) => s + double(p, n), 0) })
export const maxOf = (name: string, n: number): Aggregate => ({ name, sql: `max(double${n})`, local: (ps) => (ps.length === 0 ? 0 : Math.max(...ps.map((p) => double(p, n)))) })

/**
 * ClickHouse's `quantileExactWeighted`: values sorted, the first whose running weight reaches `level` × the total
 * weight (0 for no values).
 */
export const weightedQuantile = (level: number, values: ReadonlyArray<{ readonly value: number; readonly weight: number }>): number => {
  const sorted = [...values].filter((v) => v.weight > 0).sort((a, b) => a.value - b.value)
  const total = sorted.reduce((s, v) => s + v.weight, 0)
  if (total === 0) return 0
  const threshold = Math.max(1, Math.ceil(total * level))
  let running = 0
  for (const v of sorted) {
    running += v.weight
    if (running >= threshold) return v.value
  }
  return sorted[sorted.length - 1]!.value
}

export const quantile = (name: string, level: number, n: number): Aggregate => ({
  name,
  sql: `quantileExactWeighted(${level})(double${n}, _sample_interval)`,
  local: (ps) => weightedQuantile(level, ps.map((p) => ({ value: double(p, n), weight: 1 })))
})

// --- the two readings ---

/** A dataset name as Analytics Engine accepts it (the SQL API cannot bind it as a parameter). */
export const DATASET_NAME = /^[A-Za-z0-9_]{1,64}$/

/** The query as Analytics Engine SQL over `dataset`, for the last `window.minutes`. */
export const toSql = (query: MetricQuery, dataset: string, window: QueryWindow): string => {
  if (!DATASET_NAME.test(dataset)) throw new Error(`not a dataset name: ${dataset}`)
  const keys = [
    ...(query.overTime ? [`toStartOfInterval(timestamp, INTERVAL '${Math.trunc(window.bucketMinutes)}' MINUTE) AS t`] : []),
    ...(query.byBlob !== undefined ? [`blob${query.byBlob} AS label`] : [])
  ]
  const names = [...(query.overTime ? ["t"] : []), ...(query.byBlob !== undefined ? ["label"] : [])]
  const where = [
    `index1 = ${quote(query.metric)}`,
    `timestamp > NOW() - INTERVAL '${Math.trunc(window.minutes)}' MINUTE`,
    ...query.where.map((c) => `(${c.sql})`)
  ]
  return [
    `SELECT ${[...keys, ...query.aggregates.map((a) => `${a.sql} AS ${a.name}`)].join(", ")}`,
    `FROM ${dataset}`,
    `WHERE ${where.join(" AND ")}`,
    ...(names.length > 0 ? [`GROUP BY ${names.join(", ")}`, `ORDER BY ${names.join(", ")}`] : []),
    "FORMAT JSON"
  ].join("\n")
}

const pad = (n: number) => String(n).padStart(2, "0")
/** A bucket's start as the SQL API writes a DateTime: "YYYY-MM-DD hh:mm:ss" (UTC). */
export const formatDateTime = (ms: number): string => {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** Reads a bucket time the SQL API wrote ("YYYY-MM-DD hh:mm:ss", UTC) as epoch ms. */
export const parseDateTime = (value: string | number): number =>
  typeof value === "number" ? value : Date.parse(`${value.replace(" ", "T")}Z`)

/** The same query over recorded points (each standing for itself), as of `now`. */
export const evaluate = (query: MetricQuery, points: ReadonlyArray<RecordedPoint>, window: QueryWindow, now: number): QueryResult => {
  const since = now - window.minutes * 60_000
  const bucketMs = Math.max(1, Math.trunc(window.bucketMinutes)) * 60_000
  const selected = points.filter((p) => p.index1 === query.metric && p.timestamp > since && query.where.every((c) => c.test(p)))
  const groups = new Map<string, { readonly t?: number; readonly label?: string; readonly points: Array<RecordedPoint> }>()
  for (const p of selected) {
    const t = query.overTime ? Math.floor(p.timestamp / bucketMs) * bucketMs : undefined
    const label = query.byBlob !== undefined ? blob(p, query.byBlob) : undefined
    const key = JSON.stringify([t, label])
    let group = groups.get(key)
    if (group === undefined) {
      group = { ...(t !== undefined ? { t } : {}), ...(label !== undefined ? { label } : {}), points: [] }
      groups.set(key, group)
    }
    group.points.push(p)
  }
  // no GROUP BY: one row, even over no points (as SQL's aggregate without GROUP BY)
  if (!query.overTime && query.byBlob === undefined && groups.size === 0) groups.set("[]", { points: [] })
  const rows = [...groups.values()]
    .sort((a, b) => (a.t ?? 0) - (b.t ?? 0) || (a.label ?? "").localeCompare(b.label ?? ""))
    .map((g) => {
      const row: Record<string, string | number> = {}
      if (g.t !== undefined) row.t = formatDateTime(g.t)
      if (g.label !== undefined) row.label = g.label
      for (const a of query.aggregates) row[a.name] = a.local(g.points)
      return row
    })
  const meta: Array<ResultColumn> = [
    ...(query.overTime ? [{ name: "t", type: "DateTime" }] : []),
    ...(query.byBlob !== undefined ? [{ name: "label", type: "String" }] : []),
    ...query.aggregates.map((a) => ({ name: a.name, type: "Float64" }))
  ]
  return { meta, data: rows, rows: rows.length }
}
