import { describe, expect, it } from "vitest"
import { type BucketLimit, type BucketState, isFull, refill, take } from "../../src/domain/tokenBucket"

const limit: BucketLimit = { capacity: 5, refillPerSecond: 0.5 } // one token every 2 s

describe("token bucket arithmetic", () => {
  it("a new bucket is full and spends down to zero, then refuses without spending", () => {
    let state: BucketState | undefined
    const t0 = 1_000_000
    for (let i = 4; i >= 0; i--) {
      const r = take(state, limit, 1, t0)
      expect(r.decision).toMatchObject({ allowed: true, remaining: i, retryAfterMs: 0 })
      state = r.state
    }
    const refused = take(state, limit, 1, t0)
    expect(refused.decision).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 2000, resetMs: 10_000 })
    expect(refused.state.tokens).toBe(0)
    // retrying early does not push the caller further back
    const again = take(refused.state, limit, 1, t0 + 500)
    expect(again.decision.retryAfterMs).toBe(1500)
  })

  it("refills fractionally: 1.5 s gives 0.75 tokens, not 0 or 1", () => {
    const empty: BucketState = { tokens: 0, updatedMs: 0 }
    expect(refill(empty, limit, 1500).tokens).toBeCloseTo(0.75, 12)
    expect(take(empty, limit, 1, 1500).decision).toMatchObject({ allowed: false, retryAfterMs: 500 })
    expect(take(empty, limit, 1, 2000).decision.allowed).toBe(true)
  })

  it("does not drift: a thousand 7 ms steps refill exactly what one 7 s step does", () => {
    const rate: BucketLimit = { capacity: 100, refillPerSecond: 1 / 3 }
    let stepped: BucketState = { tokens: 0, updatedMs: 0 }
    for (let t = 7; t <= 7000; t += 7) stepped = refill(stepped, rate, t)
    const once = refill({ tokens: 0, updatedMs: 0 }, rate, 7000)
    expect(stepped.tokens).toBeCloseTo(once.tokens, 9)
    expect(once.tokens).toBeCloseTo(7 / 3, 12)
  })

  it("a caller spending exactly at the refill rate is never refused (integer rounding would starve it)", () => {
    const rate: BucketLimit = { capacity: 1, refillPerSecond: 1 / 3 } // one per 3000 ms
    let state: BucketState | undefined
    for (let i = 0; i < 1000; i++) {
      const r = take(state, rate, 1, i * 3000)
      expect(r.decision.allowed, `call ${i}`).toBe(true)
      state = r.state
    }
    expect(take(state, rate, 1, 999 * 3000 + 2999).decision.allowed).toBe(false)
  })

  it("caps at capacity and ignores a clock stepping backwards", () => {
    expect(refill({ tokens: 1, updatedMs: 0 }, limit, 3_600_000).tokens).toBe(5)
    const back = refill({ tokens: 2, updatedMs: 10_000 }, limit, 5_000)
    expect(back).toEqual({ tokens: 2, updatedMs: 10_000 })
    expect(isFull({ tokens: 4, updatedMs: 0 }, limit, 1999)).toBe(false)
    expect(isFull({ tokens: 4, updatedMs: 0 }, limit, 2000)).toBe(true)
  })

  it("costs above one and above capacity", () => {
    expect(take(undefined, limit, 3, 0).decision).toMatchObject({ allowed: true, remaining: 2 })
    expect(take(undefined, limit, 6, 0).decision).toMatchObject({ allowed: false, retryAfterMs: Number.POSITIVE_INFINITY })
  })
})
