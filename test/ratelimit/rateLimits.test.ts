import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { defaultRateLimits, methodClassOf, parseRateLimits, rateLimitHeaders } from "../../src/domain/rateLimits"

describe("rate limit configuration", () => {
  it("classifies methods", () => {
    expect(methodClassOf("app.overlap.getAvailability", "GET")).toBe("availability")
    expect(methodClassOf("app.overlap.match", "POST")).toBe("match")
    expect(methodClassOf("app.overlap.reschedule", "POST")).toBe("match")
    expect(methodClassOf("app.overlap.cancel", "POST")).toBe("mutation")
    expect(methodClassOf("app.overlap.getBooking", "GET")).toBe("read")
    expect(methodClassOf("app.overlap.getOffers", "HEAD")).toBe("read")
  })

  it("defaults, and RATE_LIMITS overrides one class at a time", () => {
    expect(parseRateLimits(undefined)).toEqual(Either.right(defaultRateLimits))
    expect(parseRateLimits("  ")).toEqual(Either.right(defaultRateLimits))
    const parsed = parseRateLimits(`{"availability":{"capacity":3,"refillPerSecond":0.01}}`)
    expect(parsed).toEqual(Either.right({ ...defaultRateLimits, availability: { capacity: 3, refillPerSecond: 0.01 } }))
  })

  it("refuses a bad RATE_LIMITS with a message that names the problem", () => {
    const message = (text: string) => Either.getLeft(parseRateLimits(text)).pipe((o) => (o._tag === "Some" ? o.value : ""))
    expect(message("{")).toMatch(/^RATE_LIMITS: not JSON/)
    expect(message("[]")).toMatch(/expected an object/)
    expect(message(`{"search":{"capacity":1,"refillPerSecond":1}}`)).toMatch(/RATE_LIMITS.search: unknown method class/)
    expect(message(`{"match":{"capacity":0,"refillPerSecond":1}}`)).toMatch(/RATE_LIMITS.match.capacity/)
    expect(message(`{"match":{"capacity":2,"refillPerSecond":-1}}`)).toMatch(/RATE_LIMITS.match.refillPerSecond/)
    expect(message(`{"match":{"capacity":2}}`)).toMatch(/RATE_LIMITS.match.refillPerSecond/)
  })

  it("headers: seconds rounded up; Retry-After only on a refusal", () => {
    const limit = { capacity: 10, refillPerSecond: 0.1 }
    expect(rateLimitHeaders(limit, { allowed: true, remaining: 9, retryAfterMs: 0, resetMs: 10_000 })).toEqual({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "9",
      "ratelimit-reset": "10"
    })
    expect(rateLimitHeaders(limit, { allowed: false, remaining: 0, retryAfterMs: 1, resetMs: 99_001 })).toEqual({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "100",
      "retry-after": "1"
    })
  })
})
