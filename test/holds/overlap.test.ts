import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { clash, clashingPairs, separationMs, type Span } from "../../src/domain/holds/overlap"
import { shardDaysOf, shardName } from "../../src/domain/holds/shards"
import { toMatchRequest } from "../../src/domain/holds/matchInput"
import { makeMatchToken, objectKeyOfToken, releaseRetryDelayMs } from "../../src/domain/holds/policy"

const MIN = 60_000
const DAY = 1_440 * MIN

const span = (maxLengthMin: number) =>
  fc.record({ at: fc.integer({ min: 0, max: 6 * 1_440 }), length: fc.integer({ min: 1, max: maxLengthMin }) })
    .map(({ at, length }): Span => ({ start: Date.UTC(2026, 2, 1) + at * MIN, end: Date.UTC(2026, 2, 1) + (at + length) * MIN }))

describe("clash (the rule HostMatchDO checks before it reserves)", () => {
  it("needs the larger buffer between two commitments; touching is fine without buffers", () => {
    expect(separationMs({ bufferBeforeMin: 5, bufferAfterMin: 10 })).toBe(10 * MIN)
    const a = { start: 0, end: 30 * MIN }
    expect(clash(a, { start: 30 * MIN, end: 60 * MIN }, 0)).toBe(false)
    expect(clash(a, { start: 30 * MIN, end: 60 * MIN }, 5 * MIN)).toBe(true)
    expect(clash(a, { start: 35 * MIN, end: 60 * MIN }, 5 * MIN)).toBe(false)
    expect(clash(a, { start: -20 * MIN, end: -5 * MIN }, 5 * MIN)).toBe(false)
    expect(clash(a, { start: -20 * MIN, end: -4 * MIN }, 5 * MIN)).toBe(true)
  })

  it("clashingPairs finds exactly the pairs a brute-force check finds", () => {
    fc.assert(fc.property(fc.array(span(600), { maxLength: 30 }), fc.integer({ min: 0, max: 60 }), (spans, gapMin) => {
      const brute: Array<string> = []
      for (let i = 0; i < spans.length; i++) {
        for (let j = i + 1; j < spans.length; j++) if (clash(spans[i]!, spans[j]!, gapMin * MIN)) brute.push(`${i}-${j}`)
      }
      const swept = clashingPairs(spans, gapMin * MIN).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`)
      expect(swept.sort()).toEqual(brute.sort())
    }))
  })
})

describe("host+day shards: a shard boundary cannot hide an overlap", () => {
  it("two clashing holds always share a shard that both are registered in", () => {
    // Holds up to 24 h, gaps up to 24 h, anywhere across several UTC midnights.
    fc.assert(fc.property(span(1_440), span(1_440), fc.integer({ min: 0, max: 1_440 }), fc.integer({ min: 0, max: 1_440 }), (n, e, gN, gE) => {
      if (!clash(n, e, gN * MIN)) return
      const shared = shardDaysOf(n, gN * MIN).filter((d) => shardDaysOf(e, gE * MIN).includes(d))
      expect(shared.length).toBeGreaterThan(0)
    }), { numRuns: 5_000 })
  })

  it("a hold crossing midnight belongs to both days; one ending at midnight only to its own", () => {
    const midnight = Date.UTC(2026, 2, 2)
    const day = midnight / DAY
    expect(shardDaysOf({ start: midnight - 30 * MIN, end: midnight + 30 * MIN }, 0)).toEqual([day - 1, day])
    expect(shardDaysOf({ start: midnight - 30 * MIN, end: midnight }, 0)).toEqual([day - 1])
    expect(shardDaysOf({ start: midnight - 30 * MIN, end: midnight }, 5 * MIN)).toEqual([day - 1, day])
    expect(shardName("did:plc:abc", day)).toBe("did:plc:abc#2026-03-02")
  })
})

describe("timing and tokens", () => {
  it("backs release retries off exponentially up to an hour", () => {
    expect([1, 2, 3, 8, 100].map(releaseRetryDelayMs)).toEqual([30_000, 60_000, 120_000, 3_600_000, 3_600_000])
  })

  it("a token names its object, fits the lexicon's 128 characters, and foreign strings are refused", () => {
    const key = "a".repeat(64)
    const token = makeMatchToken(key, new Uint8Array(16).fill(255))
    expect(token.length).toBeLessThanOrEqual(128)
    expect(objectKeyOfToken(token)).toBe(key)
    expect(objectKeyOfToken("nonsense")).toBeUndefined()
    expect(objectKeyOfToken(`${key}.zz`)).toBeUndefined()
  })
})

describe("toMatchRequest (XRPC / bookingRequest input → MatchRequest)", () => {
  const rules = { timeZone: "Europe/Berlin", bufferBeforeMin: 0, bufferAfterMin: 10, minimumNoticeMin: 60, slotStepMin: 15 }
  it("turns ISO instants and weekday names into the engine's numbers, and bounds an open window by the offers", () => {
    const now = Date.UTC(2026, 2, 1)
    const offers = [
      { startAt: Date.UTC(2026, 2, 2, 8), endAt: Date.UTC(2026, 2, 2, 12), tz: "Europe/Berlin" },
      { startAt: Date.UTC(2026, 2, 3, 8), endAt: Date.UTC(2026, 2, 3, 12), tz: "Europe/Berlin" }
    ]
    const request = toMatchRequest({
      hostDid: "did:plc:h",
      guestDid: "did:plc:g",
      bookingId: "b",
      offers,
      constraints: { durationMin: 30, durationMax: 60, tz: "America/New_York", earliest: "2026-03-02T00:00:00.000Z", days: ["monday", "sunday"] },
      hostRules: rules,
      now,
      offerUri: "at://did:plc:h/app.overlap.slotOffer/1"
    })
    expect(request.guest).toEqual({
      timeZone: "America/New_York",
      durationMin: 30,
      durationMax: 60,
      earliest: Date.UTC(2026, 2, 2),
      latest: Date.UTC(2026, 2, 3, 12),
      weekdays: [1, 7]
    })
    expect(request.offers[0]).toEqual({ _tag: "window", start: offers[0]!.startAt, end: offers[0]!.endAt, timeZone: "Europe/Berlin" })
    expect(request).toMatchObject({ host: rules, now, offerUri: "at://did:plc:h/app.overlap.slotOffer/1" })
    expect(request.requestUri).toBeUndefined()
  })
})
