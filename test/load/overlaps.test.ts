import { describe, expect, it } from "vitest"
import { overlapsOf } from "../../scripts/load.mjs"

// The double-booking check the load bench and the end-to-end burst rely on.
const hold = (host: string, start: string, end: string, liveFrom: number, liveUntil: number, bookingId = `${host}-${start}-${liveFrom}`) => ({
  host, bookingId, slot: { start: `2027-01-04T${start}:00.000Z`, end: `2027-01-04T${end}:00.000Z` }, liveFrom, liveUntil
})

describe("overlapsOf", () => {
  it("finds two holds at one host live at the same moment on overlapping times", () => {
    const a = hold("h", "09:00", "09:30", 0, 100)
    const b = hold("h", "09:15", "09:45", 50, 150)
    expect(overlapsOf([a, b])).toEqual([[a, b]])
  })

  it("does not pair touching slots, other hosts, or a hold taken after the first expired", () => {
    expect(overlapsOf([hold("h", "09:00", "09:30", 0, 100), hold("h", "09:30", "10:00", 0, 100)])).toEqual([])
    expect(overlapsOf([hold("h", "09:00", "09:30", 0, 100), hold("g", "09:00", "09:30", 0, 100)])).toEqual([])
    expect(overlapsOf([hold("h", "09:00", "09:30", 0, 100), hold("h", "09:00", "09:30", 101, 200)])).toEqual([])
  })
})
