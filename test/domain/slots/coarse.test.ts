import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { coarsenBounds, roundUpToLadder, spreadPick } from "../../../src/domain/slots/coarse"

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.UTC(2030, 0, 7)

describe("coarse bounds (issue 12, items 3 and 4)", () => {
  it("rounds a length up the ladder, and to whole hours above it", () => {
    expect([5, 7, 8, 15, 16, 45, 61, 90, 91, 121, 1440].map((m) => roundUpToLadder(m, [15, 30, 45, 60, 90])))
      .toEqual([15, 15, 15, 15, 30, 45, 90, 90, 120, 180, 1440])
  })

  it("rounds the range inward to whole units: a bound moved by a minute changes nothing", () => {
    const at = (h: number, m: number) => T0 + h * HOUR + m * MIN
    const coarse = (earliest: number, latest: number) =>
      Either.getOrThrow(coarsenBounds({ durationMin: 7, durationMax: 8, earliest, latest }))
    expect(coarse(at(9, 1), at(12, 7))).toEqual({ durationMin: 15, durationMax: 15, earliest: at(10, 0), latest: at(12, 0) })
    expect(coarse(at(9, 0), at(12, 8))).toEqual(coarse(at(8, 1), at(12, 59)))
    expect(Either.getOrThrow(coarsenBounds({ durationMin: 7, durationMax: 7, earliest: at(9, 7), latest: at(9, 22) }, undefined, 15)))
      .toMatchObject({ earliest: at(9, 15), latest: at(9, 15) })
  })

  it("spreads n picks over the free slots; at most n are answered in full, in order", () => {
    const slots = Array.from({ length: 20 }, (_, i) => ({ start: 20 - i }))
    expect(spreadPick(slots, 5).map((s) => s.start)).toEqual([3, 7, 11, 15, 19])
    expect(spreadPick(slots.slice(0, 4), 5).map((s) => s.start)).toEqual([17, 18, 19, 20])
  })
})
