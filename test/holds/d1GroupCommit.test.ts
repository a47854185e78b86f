import { describe, expect, it } from "vitest"
import { groupCommitD1 } from "../../src/features/matching/engine/D1GroupCommit"

// The group commit over a scripted D1: every statement is "SQL with params"; a statement whose SQL starts
// with FAIL fails (alone, and spoils any batch it is in, which then takes effect for none of its statements,
// as a D1 batch does). `down` makes every call fail. Round trips are recorded.

interface Call {
  readonly kind: "all" | "batch"
  readonly statements: ReadonlyArray<string>
}

const fakeD1 = (options: { latencyMs?: number } = {}) => {
  const calls: Array<Call> = []
  const state = { down: false, applied: [] as Array<string> }
  const wait = () => new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 5))
  const describe = (sql: string, params: ReadonlyArray<unknown>) => `${sql}${params.length ? ` ${params.join(",")}` : ""}`
  const outcome = (text: string): D1Result => {
    if (state.down) throw new Error("D1_ERROR: network connection lost")
    if (text.startsWith("FAIL")) throw new Error(`D1_ERROR: ${text}`)
    return { success: true, meta: {} as D1Meta, results: [{ echo: text }] } as D1Result
  }
  const statement = (sql: string, params: ReadonlyArray<unknown> = []) => {
    const text = describe(sql, params)
    return {
      text,
      bind: (...values: Array<unknown>) => statement(sql, values),
      all: async () => {
        calls.push({ kind: "all", statements: [text] })
        await wait()
        const result = outcome(text)
        state.applied.push(text)
        return result
      },
      raw: async () => [[text]]
    }
  }
  const db = {
    prepare: (sql: string) => statement(sql),
    batch: async (statements: Array<{ text: string }>) => {
      calls.push({ kind: "batch", statements: statements.map((s) => s.text) })
      await wait()
      const results = statements.map((s) => outcome(s.text)) // throws: nothing of the batch applies
      state.applied.push(...statements.map((s) => s.text))
      return results
    },
    exec: async () => ({ count: 0, duration: 0 }),
    withSession: () => db,
    dump: async () => new ArrayBuffer(0)
  }
  return { db: db as unknown as D1Database, calls, state }
}

const echo = async (result: Promise<D1Result>) => ((await result).results[0] as { echo: string }).echo

describe("D1 group commit", () => {
  it("statements issued together travel in one batch, and each caller gets its own statement's rows", async () => {
    const d1 = fakeD1()
    const { db, stats } = groupCommitD1(d1.db)
    const insert = db.prepare("INSERT INTO bookings VALUES (?)")
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => echo(insert.bind(`b${i}`).all())))
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `INSERT INTO bookings VALUES (?) b${i}`))
    expect(d1.calls).toHaveLength(1)
    expect(d1.calls[0]!.kind).toBe("batch")
    expect(stats()).toMatchObject({ batches: 1, statements: 50, fallbacks: 0, largestBatch: 50 })
  })

  it("statements that arrive while a batch is in flight wait for it and go together in the next one", async () => {
    const d1 = fakeD1({ latencyMs: 30 })
    const { db } = groupCommitD1(d1.db)
    const first = db.prepare("SELECT 1").all()
    await new Promise((resolve) => setTimeout(resolve, 5)) // the first statement is on its way
    const later = Array.from({ length: 20 }, (_, i) => db.prepare("SELECT ?").bind(i).all())
    await Promise.all([first, ...later])
    expect(d1.calls.map((c) => [c.kind, c.statements.length])).toEqual([["all", 1], ["batch", 20]])
  })

  it("never puts more than maxBatch statements in one batch", async () => {
    const d1 = fakeD1()
    const { db, stats } = groupCommitD1(d1.db, { maxBatch: 8 })
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.prepare("SELECT ?").bind(i).all()))
    expect(d1.calls.map((c) => c.statements.length)).toEqual([8, 8, 4])
    expect(stats().largestBatch).toBe(8)
  })

  it("a failing statement fails only its own caller: the batch is run again one statement at a time", async () => {
    const d1 = fakeD1()
    const { db, stats } = groupCommitD1(d1.db)
    const results = await Promise.allSettled([
      echo(db.prepare("INSERT a").all()),
      echo(db.prepare("FAIL b").all()),
      echo(db.prepare("INSERT c").all())
    ])
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: "D1_ERROR: FAIL b" })
    // The failed batch applied nothing; the statements then ran alone, each exactly once.
    expect(d1.calls.map((c) => c.kind)).toEqual(["batch", "all", "all", "all"])
    expect([...d1.state.applied].sort()).toEqual(["INSERT a", "INSERT c"])
    expect(stats().fallbacks).toBe(1)
  })

  it("when D1 is down every caller in the batch gets the failure (and nothing was applied)", async () => {
    const d1 = fakeD1()
    d1.state.down = true
    const { db } = groupCommitD1(d1.db)
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => db.prepare("INSERT ?").bind(i).all()))
    expect(results.every((r) => r.status === "rejected")).toBe(true)
    expect(d1.state.applied).toEqual([])
  })

  it("an explicit batch from code is sent as it is: not merged with queued statements, not split", async () => {
    const d1 = fakeD1()
    const { db } = groupCommitD1(d1.db)
    const queued = db.prepare("SELECT queued").all()
    const explicit = db.batch([db.prepare("INSERT x"), db.prepare("INSERT y")])
    await Promise.all([queued, explicit])
    expect(d1.calls).toContainEqual({ kind: "batch", statements: ["INSERT x", "INSERT y"] })
    expect(d1.calls).toContainEqual({ kind: "all", statements: ["SELECT queued"] })
  })

  it("first() answers the first row (or one column of it), or null", async () => {
    const d1 = fakeD1()
    const { db } = groupCommitD1(d1.db)
    expect(await db.prepare("SELECT row").first()).toEqual({ echo: "SELECT row" })
    expect(await db.prepare("SELECT row").first("echo")).toBe("SELECT row")
  })
})
