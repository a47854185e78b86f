import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { candidateSpans } from "../../src/domain/holds/candidates"
import { dayOf } from "../../src/domain/holds/shards"
import { slotSearchFor } from "../../src/domain/holds/slotSearch"

const MIN = 60_000
const t0 = Date.UTC(2026, 11, 1, 20)
const none = { holds: [], bookings: [] }
const query = Either.getOrThrow(slotSearchFor({
  offers: [{ _tag: "window" as const, start: t0, end: t0 + 8 * 60 * MIN, timeZone: "UTC" }],
  host: { timeZone: "UTC", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 30 },
  guest: { timeZone: "UTC", durationMin: 60, durationMax: 60, earliest: t0, latest: t0 + 8 * 60 * MIN }
}, t0, 10)).query
const starts = (plan: Parameters<typeof candidateSpans>[2], commitments: Parameters<typeof candidateSpans>[1] = none) =>
  Either.getOrThrow(candidateSpans(query, commitments, plan)).map((s) => (s.start - t0) / MIN)

describe("candidateSpans (the planner: which times a match tries, in what order)", () => {
  it("earliest first, with the host's commitments and the refused times counted as busy", () => {
    expect(starts({ tried: [] }).slice(0, 3)).toEqual([0, 30, 60])
    const held = { start: t0, end: t0 + 60 * MIN }
    expect(starts({ tried: [] }, { holds: [held], bookings: [] })[0]).toBe(60)
    expect(starts({ tried: [{ start: t0 + 60 * MIN, end: t0 + 120 * MIN }] }, { holds: [held], bookings: [] })[0]).toBe(120)
  })

  it("a meeting being moved does not block its own new time", () => {
    const own = { start: t0, end: t0 + 60 * MIN }
    expect(starts({ tried: [], moving: own }, { holds: [], bookings: [own] })[0]).toBe(0)
  })

  it("a day shard only gets the slots that start on its day", () => {
    const nextDay = dayOf(t0) + 1
    const inDay = Either.getOrThrow(candidateSpans(query, none, { tried: [], inDay: nextDay }))
    expect(inDay.length).toBeGreaterThan(0)
    expect(inDay.every((s) => dayOf(s.start) === nextDay)).toBe(true)
  })
})
