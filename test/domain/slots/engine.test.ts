import { describe, expect, it } from "@effect/vitest"
import type { Offer } from "../../../src/domain/slots"
import { at, query, show, slotsOf } from "./support"

const day = "2024-06-03" // a Monday
const utcWindow = (from: string, to: string): Offer => ({
  _tag: "window",
  start: at(`${day}T${from}Z`),
  end: at(`${day}T${to}Z`),
  timeZone: "UTC"
})
const busy = (from: string, to: string) => ({ start: at(`${day}T${from}Z`), end: at(`${day}T${to}Z`) })
const times = (q: Parameters<typeof slotsOf>[0]) => show(slotsOf(q)).map((s) => s.slice(11))
const base = { now: at(`${day}T00:00Z`) }

describe("findSlots", () => {
  it("offers every grid start in a window when nothing is busy", () => {
    expect(times(query({ ...base, offers: [utcWindow("09:00", "10:30")] }))).toEqual([
      "09:00Z–09:30Z",
      "09:15Z–09:45Z",
      "09:30Z–10:00Z",
      "09:45Z–10:15Z",
      "10:00Z–10:30Z"
    ])
  })

  it("anchors the grid at local midnight, not at the window's start", () => {
    expect(times(query({ ...base, offers: [utcWindow("09:10", "10:00")] }))).toEqual(["09:15Z–09:45Z", "09:30Z–10:00Z"])
  })

  it("answers an empty list for empty offers, and ignores empty busy lists", () => {
    expect(slotsOf(query({ ...base }))).toEqual([])
    expect(slotsOf(query({ ...base, offers: [utcWindow("09:00", "09:29")] }))).toEqual([])
  })

  it("returns at most N, the earliest ones", () => {
    expect(times(query({ ...base, limit: 2, offers: [utcWindow("09:00", "12:00")] }))).toEqual([
      "09:00Z–09:30Z",
      "09:15Z–09:45Z"
    ])
  })

  it("ranks across windows by start, whatever order the offers come in", () => {
    const offers = [utcWindow("14:00", "14:30"), utcWindow("09:00", "09:30"), utcWindow("11:00", "11:30")]
    expect(times(query({ ...base, limit: 2, offers }))).toEqual(["09:00Z–09:30Z", "11:00Z–11:30Z"])
  })

  it("merges overlapping and touching windows of one zone, without duplicates", () => {
    expect(times(query({ ...base, offers: [utcWindow("09:00", "10:00"), utcWindow("09:30", "10:30")] }))).toEqual([
      "09:00Z–09:30Z",
      "09:15Z–09:45Z",
      "09:30Z–10:00Z",
      "09:45Z–10:15Z",
      "10:00Z–10:30Z"
    ])
    // Touching windows: a meeting may run across the seam (09:45–10:15).
    expect(times(query({ ...base, offers: [utcWindow("09:00", "10:00"), utcWindow("10:00", "10:30")] })))
      .toContain("09:45Z–10:15Z")
  })

  it("handles overlapping and touching busy intervals from both people", () => {
    expect(times(query({
      ...base,
      offers: [utcWindow("09:00", "12:00")],
      hostBusy: [busy("09:30", "10:00"), busy("09:45", "10:15")],
      guestBusy: [busy("10:15", "10:30"), busy("11:00", "11:15"), busy("11:15", "11:30")]
    }))).toEqual(["09:00Z–09:30Z", "10:30Z–11:00Z", "11:30Z–12:00Z"])
  })

  it("keeps the buffers around host busy time, holds and bookings", () => {
    // bufferBefore 15, bufferAfter 10. Host busy 10:00–11:00: a meeting must end by 09:50 and start from 11:15.
    // Booking 12:00–12:30: other meetings stay max(15, 10) = 15 min away: end by 11:45, start from 12:45.
    expect(times(query({
      ...base,
      offers: [utcWindow("08:00", "14:00")],
      hostBusy: [busy("10:00", "11:00")],
      bookings: [busy("12:00", "12:30")],
      host: { bufferBeforeMin: 15, bufferAfterMin: 10 }
    }))).toEqual([
      "08:00Z–08:30Z",
      "08:15Z–08:45Z",
      "08:30Z–09:00Z",
      "08:45Z–09:15Z",
      "09:00Z–09:30Z",
      "09:15Z–09:45Z",
      "11:15Z–11:45Z",
      "12:45Z–13:15Z",
      "13:00Z–13:30Z",
      "13:15Z–13:45Z",
      "13:30Z–14:00Z"
    ])
  })

  it("does not apply the host's buffers to the guest's busy time", () => {
    expect(times(query({
      ...base,
      offers: [utcWindow("09:00", "10:30")],
      guestBusy: [busy("09:30", "10:00")],
      host: { bufferBeforeMin: 15, bufferAfterMin: 15 }
    }))).toEqual(["09:00Z–09:30Z", "10:00Z–10:30Z"])
  })

  it("treats holds like bookings", () => {
    expect(times(query({ ...base, offers: [utcWindow("09:00", "10:30")], holds: [busy("09:30", "10:00")] })))
      .toEqual(["09:00Z–09:30Z", "10:00Z–10:30Z"])
  })

  it("honours the minimum notice", () => {
    // now 07:50 + 60 min notice = 08:50 → first grid start 09:00.
    expect(times(query({
      now: at(`${day}T07:50Z`),
      offers: [utcWindow("08:00", "09:30")],
      host: { minimumNoticeMin: 60 }
    }))).toEqual(["09:00Z–09:30Z"])
  })

  it("keeps inside the guest's earliest and latest", () => {
    expect(times(query({
      ...base,
      offers: [utcWindow("09:00", "12:00")],
      guest: { earliest: at(`${day}T09:20Z`), latest: at(`${day}T10:30Z`) }
    }))).toEqual(["09:30Z–10:00Z", "09:45Z–10:15Z", "10:00Z–10:30Z"])
  })

  it("refuses days that already have maxBookingsPerDay holds and bookings", () => {
    const offers: Array<Offer> = [{ _tag: "weekly", timeZone: "UTC", weekdays: [1, 2], start: "09:00", end: "10:00" }]
    const q = query({
      ...base,
      offers,
      holds: [busy("15:00", "15:30")],
      bookings: [busy("16:00", "16:30")],
      host: { maxBookingsPerDay: 2, slotStepMin: 30 },
      guest: { latest: at("2024-06-05T00:00Z") }
    })
    expect(show(slotsOf(q))).toEqual(["2024-06-04T09:00Z–09:30Z", "2024-06-04T09:30Z–10:00Z"])
    expect(show(slotsOf({ ...q, host: { ...q.host, maxBookingsPerDay: 3 } }))).toHaveLength(4)
    expect(slotsOf({ ...q, host: { ...q.host, maxBookingsPerDay: 0 } })).toEqual([])
  })

  describe("durations", () => {
    // Guest accepts 30–90 min, host prefers 60, step 15. Guest busy 10:45–11:00.
    const ranged = (preferredDurationMin: number | undefined) =>
      times(query({
        ...base,
        offers: [utcWindow("09:00", "12:00")],
        guestBusy: [busy("10:45", "11:00")],
        host: { ...(preferredDurationMin === undefined ? {} : { preferredDurationMin }) },
        guest: { durationMin: 30, durationMax: 90 }
      }))

    it("offers the preferred length where it fits, else the longest shorter one on the ladder", () => {
      expect(ranged(60)).toEqual([
        "09:00Z–10:00Z",
        "09:15Z–10:15Z",
        "09:30Z–10:30Z",
        "09:45Z–10:45Z",
        "10:00Z–10:45Z", // 45 free: ladder 30, 45, 60
        "10:15Z–10:45Z", // 30 free
        // 10:30 has 15 free: nothing
        "11:00Z–12:00Z",
        "11:15Z–12:00Z",
        "11:30Z–12:00Z"
      ])
    })

    it("clamps the preferred length into the guest's range; without one, uses durationMin", () => {
      expect(ranged(240)[0]).toBe("09:00Z–10:30Z") // clamped to 90
      expect(ranged(15)[0]).toBe("09:00Z–09:30Z") // clamped to 30
      expect(ranged(undefined)[0]).toBe("09:00Z–09:30Z")
    })

    it("never ends a meeting at the exact edge of someone's busy time when that is off the ladder", () => {
      // Busy from 09:37: 37 min free at 09:00, so the ladder gives 30 (not 37).
      expect(times(query({
        ...base,
        offers: [utcWindow("09:00", "10:00")],
        guestBusy: [busy("09:37", "10:00")],
        host: { preferredDurationMin: 60 },
        guest: { durationMin: 30, durationMax: 60 }
      }))).toEqual(["09:00Z–09:30Z"])
    })
  })

  it("for equal starts from windows of different zones, keeps the length closest to the preferred", () => {
    // Two overlapping windows with the same grid (UTC and Europe/London in winter = UTC+0);
    // the London one is shorter, so at 09:00 it could only give 30 min: the 60-min one wins, also with N = 1.
    const q = query({
      now: at("2024-01-08T00:00Z"),
      offers: [
        { _tag: "window", start: at("2024-01-08T09:00Z"), end: at("2024-01-08T09:30Z"), timeZone: "Europe/London" },
        { _tag: "window", start: at("2024-01-08T09:00Z"), end: at("2024-01-08T10:00Z"), timeZone: "UTC" }
      ],
      host: { preferredDurationMin: 60, slotStepMin: 60 },
      guest: { durationMin: 30, durationMax: 60 }
    })
    expect(times(q)).toEqual(["09:00Z–10:00Z"])
    expect(times({ ...q, limit: 1 })).toEqual(["09:00Z–10:00Z"])
  })

  it("is deterministic and does not depend on the order of busy intervals", () => {
    const hostBusy = [busy("09:30", "10:00"), busy("11:00", "11:20"), busy("09:00", "09:10")]
    const q = query({ ...base, offers: [utcWindow("08:00", "12:00")], hostBusy })
    const first = slotsOf(q)
    expect(slotsOf(q)).toEqual(first)
    expect(slotsOf({ ...q, hostBusy: [...hostBusy].reverse() })).toEqual(first)
  })
})
