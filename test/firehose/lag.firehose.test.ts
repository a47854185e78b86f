import { env, SELF } from "cloudflare:test"
import { describe, expect, it } from "vitest"
import { client } from "./harness"

// The lag half of bench/firehoseLag.bench.ts (npm run bench): runs only when the bench asks (OVERLAP_BENCH_LAG=N).
// A host writes N slotOffers one after another through a real @atproto/api agent on the real local PDS; for each,
// the time from the PDS's answer to createRecord (the commit is durable by then) until the row is in D1.

const samples = Number(env.OVERLAP_BENCH_LAG || 0)

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

describe.runIf(samples > 0)("lag from PDS commit to D1 row", () => {
  it(`measures ${samples} writes`, async () => {
    await SELF.fetch("http://firehose/firehose/ensure", { method: "POST" })
    const host = await client<{ did: string }>({ op: "createAccount", name: `lag-${Math.random().toString(36).slice(2, 7)}` })
    const lags: Array<number> = []
    const writes: Array<number> = []
    for (let i = 0; i < samples + 5; i++) {
      const t0 = Date.now()
      const { uri } = await client<{ uri: string }>({
        op: "createRecord",
        did: host.did,
        collection: "app.overlap.slotOffer",
        record: {
          $type: "app.overlap.slotOffer",
          start: "2030-01-01T09:00:00.000Z",
          end: "2030-01-01T17:00:00.000Z",
          policy: "anyone",
          tz: "UTC",
          createdAt: new Date().toISOString()
        }
      })
      const committed = Date.now()
      const stmt = env.DB.prepare("SELECT 1 AS one FROM offers_index WHERE uri = ?").bind(uri)
      while ((await stmt.first()) === null) {
        if (Date.now() - committed > 10_000) throw new Error(`${uri} not indexed within 10 s`)
        await new Promise((r) => setTimeout(r, 2))
      }
      if (i >= 5) {
        // the first few warm the isolate and the queue
        lags.push(Date.now() - committed)
        writes.push(committed - t0)
      }
    }
    lags.sort((a, b) => a - b)
    writes.sort((a, b) => a - b)
    console.log(
      `LAG commit→D1 row over ${samples} sequential slotOffer writes: p50 ${quantile(lags, 0.5)} ms, p99 ${quantile(lags, 0.99)} ms, ` +
        `max ${lags.at(-1)} ms (PDS createRecord itself: p50 ${quantile(writes, 0.5)} ms)`
    )
    expect(lags.length).toBe(samples)
  }, 300_000)
})
