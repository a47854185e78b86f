import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { slotSearchFor } from "../../src/domain/holds/slotSearch"

const MIN = 60_000
const t0 = Date.UTC(2026, 11, 1, 8)
const request = (host: Partial<{ bufferBeforeMin: number; bufferAfterMin: number; minimumNoticeMin: number }> = {}) => ({
  offers: [{ _tag: "window" as const, start: t0, end: t0 + 8 * 60 * MIN, timeZone: "Europe/Berlin" }],
  host: { timeZone: "Europe/Berlin", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 15, ...host },
  guest: { timeZone: "Europe/Berlin", durationMin: 30, durationMax: 30, earliest: t0, latest: t0 + 8 * 60 * MIN }
})

describe("slotSearchFor (the search both availability and match run)", () => {
  it("reads free/busy past the guest's window by the host's larger buffer", () => {
    const search = Either.getOrThrow(slotSearchFor(request({ bufferBeforeMin: 10, bufferAfterMin: 25 }), t0 - 60 * MIN, 5))
    expect(search.range).toEqual({ start: t0 - 25 * MIN, end: t0 + 8 * 60 * MIN + 25 * MIN })
    expect(search.query.limit).toBe(5)
  })

  it("starts the range at now + minimum notice when that is later than the guest's earliest", () => {
    const search = Either.getOrThrow(slotSearchFor(request({ minimumNoticeMin: 120 }), t0, 5))
    expect(search.range?.start).toBe(t0 + 120 * MIN)
  })

  it("has no range when the notice period swallows the whole window", () => {
    const search = Either.getOrThrow(slotSearchFor(request({ minimumNoticeMin: 9 * 60 }), t0, 5))
    expect(search.range).toBeUndefined()
  })

  it("refuses inverted input before any calendar would be read", () => {
    const bad = request()
    const result = slotSearchFor({ ...bad, guest: { ...bad.guest, durationMin: 60, durationMax: 30 } }, t0, 5)
    expect(Either.isLeft(result) && result.left.field).toBe("guest.durationMax")
  })
})
