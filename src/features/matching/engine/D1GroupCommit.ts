/**
 * Group commit for one Durable Object's D1 traffic (HostMatchDO): the statements that the object's concurrent
 * requests send to D1 while it is busy go to D1 together, as one `db.batch`, instead of one round trip each.
 *
 * Why: D1 is single-threaded per database and every call is a round trip. A match at a host whose calendar
 * is the local calendar makes about nine D1 calls (connector look-ups, two free/busy reads, two tentative
 * events, the `bookings` mirror), one after another; a hundred matches in flight at one object queue nine
 * hundred round trips behind each other. A batch of a hundred statements costs about what two or three
 * single calls cost (bench/holds.bench.ts, docs/architecture.md "Matching and holds"), so the object sends
 * what its matches have ready in one batch, and the next batch when that one is back.
 *
 * How it behaves:
 * - `prepare(sql).bind(…).all()` / `.run()` / `.first()` are queued and answered from the batch's result for
 *   that statement. When no batch is in flight the queue is sent on the next macrotask (so statements issued
 *   in the same turn travel together); while one is in flight, statements wait for it and then go together,
 *   up to `maxBatch` per batch. At low load a statement waits one tick; at high load batches grow by
 *   themselves (group commit).
 * - A batch is one SQLite transaction: if any statement fails, none of them took effect. The batch is then run
 *   again one statement at a time, so every caller gets exactly the answer its own statement would have had
 *   on its own: a statement that fails only spoils its own caller, never its batch-mates, and a D1 outage
 *   fails every caller, who then rolls back as it would have without batching. Statements sent through the
 *   wrapper must therefore be safe to run again after an ambiguous failure; the object's are (inserts with
 *   ON CONFLICT DO NOTHING, compare-and-set updates, deletes, reads).
 * - `db.batch([...])` called by code (an explicit atomic group, `D1Batch.batch`) is passed through as its own
 *   batch, never merged with others and never split. `raw()`, `exec`, `withSession` and `dump` pass through.
 *
 * D1's limits apply per statement (100 bound parameters), so batching single-row statements needs no
 * chunking. Inside a Durable Object every request shares one I/O context, so one request may await a batch
 * another request's statement started (in a stateless Worker it could not: see shared/STACK.md).
 */

export interface GroupCommitStats {
  /** Batches sent to D1 (a queue of one statement is sent as that statement, not counted here). */
  readonly batches: number
  /** Statements that went through the queue (batched or alone). */
  readonly statements: number
  /** Statements sent alone because nothing else was waiting. */
  readonly single: number
  /** Batches that failed and were run again one statement at a time. */
  readonly fallbacks: number
  readonly largestBatch: number
}

export interface GroupCommitOptions {
  /** Most statements per batch; default 100. */
  readonly maxBatch?: number
  /** Batches in flight at once; default 1 (D1 runs one query at a time per database anyway). */
  readonly maxInFlight?: number
}

export interface GroupCommitD1 {
  /** Use this where the binding would be used. */
  readonly db: D1Database
  readonly stats: () => GroupCommitStats
}

export const DEFAULT_MAX_BATCH = 100

interface Waiting {
  readonly statement: D1PreparedStatement
  readonly resolve: (result: D1Result) => void
  readonly reject: (error: unknown) => void
}

/** Marks our statements so an explicit `batch` can hand D1 the statements it knows. */
const underlying = Symbol("overlap/D1GroupCommit/underlying")

export const groupCommitD1 = (db: D1Database, options: GroupCommitOptions = {}): GroupCommitD1 => {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH)
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1)
  let queue: Array<Waiting> = []
  let inFlight = 0
  let scheduled = false
  const counts = { batches: 0, statements: 0, single: 0, fallbacks: 0, largestBatch: 0 }

  const alone = (waiting: Waiting) => waiting.statement.all().then(waiting.resolve, waiting.reject)

  const send = async (taken: ReadonlyArray<Waiting>): Promise<void> => {
    if (taken.length === 1) {
      counts.single++
      return alone(taken[0]!)
    }
    counts.batches++
    counts.largestBatch = Math.max(counts.largestBatch, taken.length)
    let results: Array<D1Result>
    try {
      results = await db.batch(taken.map((w) => w.statement))
    } catch {
      // Nothing of the batch took effect: each statement again on its own, for its own answer.
      counts.fallbacks++
      await Promise.all(taken.map(alone))
      return
    }
    taken.forEach((waiting, i) => {
      const result = results[i]
      if (result === undefined) waiting.reject(new Error("D1 batch returned fewer results than statements"))
      else waiting.resolve(result)
    })
  }

  const flush = (): void => {
    scheduled = false
    while (inFlight < maxInFlight && queue.length > 0) {
      const taken = queue.slice(0, maxBatch)
      queue = queue.slice(taken.length)
      inFlight++
      void send(taken).finally(() => {
        inFlight--
        schedule()
      })
    }
  }

  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return
    scheduled = true
    setTimeout(flush, 0)
  }

  const enqueue = (statement: D1PreparedStatement): Promise<D1Result> =>
    new Promise<D1Result>((resolve, reject) => {
      counts.statements++
      queue.push({ statement, resolve, reject })
      schedule()
    })

  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      [underlying]: statement,
      bind: (...values: Array<unknown>) => wrap(statement.bind(...values)),
      all: () => enqueue(statement),
      run: () => enqueue(statement),
      first: async (column?: string) => {
        const row = (await enqueue(statement)).results[0] as Record<string, unknown> | undefined
        if (row === undefined) return null
        return column === undefined ? row : row[column]
      },
      raw: (rawOptions?: { columnNames?: boolean }) => statement.raw(rawOptions as { columnNames?: false })
    }
    return wrapped as unknown as D1PreparedStatement
  }

  const unwrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    (statement as unknown as { [underlying]?: D1PreparedStatement })[underlying] ?? statement

  const wrapper = {
    prepare: (query: string) => wrap(db.prepare(query)),
    batch: (statements: Array<D1PreparedStatement>) => db.batch(statements.map(unwrap)),
    exec: (query: string) => db.exec(query),
    withSession: (constraintOrBookmark?: string) => db.withSession(constraintOrBookmark),
    dump: () => db.dump()
  }
  return { db: wrapper as unknown as D1Database, stats: () => ({ ...counts }) }
}
