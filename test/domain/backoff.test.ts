import { describe, expect, it } from "vitest"
import { backoffDelay, withJitter } from "../../src/domain/backoff"

describe("backoff", () => {
  it("doubles from the base after each failed attempt, up to the cap", () => {
    const backoff = { base: 10, cap: 600 }
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(backoff, attempt))).toEqual([10, 20, 40, 80, 160, 320, 600, 600])
  })

  it("treats attempt 0 (or less) as the first and stays at the cap for huge attempt counts", () => {
    const backoff = { base: 500, cap: 60_000 }
    expect(backoffDelay(backoff, 0)).toBe(500)
    expect(backoffDelay(backoff, -3)).toBe(500)
    expect(backoffDelay(backoff, 2_000)).toBe(60_000)
  })

  it("jitter keeps the wait within [delay / 2, delay)", () => {
    expect(withJitter(1_000, 0)).toBe(500)
    expect(withJitter(1_000, 0.5)).toBe(750)
    expect(withJitter(1_000, 0.999)).toBeLessThan(1_000)
  })
})
