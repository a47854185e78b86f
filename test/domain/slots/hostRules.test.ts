import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { findSlots, type HostRules, type Interval, type SlotQuery } from "../../../src/domain/slots"

// Issue 15 items 3 and 4: the host's own rules in the slot engine — a weekly cap, a booking horizon (rolling
// days or fixed dates) and date overrides (other hours, or a day off), all read in the host's zone. Checked
// against an oracle that judges each candidate by itself with Intl (not the engine's civil arithmetic), across
// Berlin's spring-forward change (2026-03-29).

const MIN = 60_000
const HOUR = 60 * MIN
const ZONE = "Europe/Berlin"
const at = (iso: string) => Date.parse(iso)

const dateFmt = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
const timeFmt = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
/** The host-local date "YYYY-MM-DD" and minutes after midnight of an instant. */
const localDate = (t: number) => dateFmt.format(t)
const localMinutes = (t: number) => {
  const [h, m] = timeFmt.format(t).split(":").map(Number)
  return h! * 60 + m!
}
const dayNumber = (date: string) => Date.parse(`${date}T00:00Z`) / (24 * HOUR)
const addDays = (date: string, n: number) => new Date((dayNumber(date) + n) * 24 * HOUR).toISOString().slice(0, 10)
/** Monday of the ISO week of a date, as a day number. */
const mondayOf = (date: string) => {
  const d = dayNumber(date)
  const weekday = (new Date(d * 24 * HOUR).getUTCDay() + 6) % 7 // 0 = Monday
  return d - weekday
}
const hm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`

/** A small seeded generator (mulberry32), so a failure can be replayed. */
const rng = (seed: number) => () => {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const NOW = at("2026-03-20T10:07:00Z") // a Friday
const base = (host: Partial<HostRules>, holds: Array<Interval> = [], bookings: Array<Interval> = []): SlotQuery => ({
  now: NOW,
  limit: 100_000,
  offers: [
    { _tag: "weekly", timeZone: ZONE, weekdays: [1, 2, 3, 4, 5, 6, 7], start: "08:00", end: "12:00" },
    { _tag: "weekly", timeZone: ZONE, weekdays: [1, 2, 3, 4, 5], start: "13:00", end: "18:00" }
  ],
  hostBusy: [],
  guestBusy: [],
  holds,
  bookings,
  host: { timeZone: ZONE, bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 30, ...host },
  guest: { timeZone: "America/New_York", durationMin: 30, durationMax: 30, earliest: NOW, latest: at("2026-04-12T00:00:00Z") }
})
const slots = (q: SlotQuery) => Either.getOrThrow(findSlots(q)).map((s) => ({ start: s.start, end: s.end }))

/** Whether the oracle admits a slot under the new rules alone (the rest is the engine's, checked elsewhere). */
const admits = (q: SlotQuery) => (slot: Interval): boolean => {
  const h = q.host
  const firstDate = localDate(slot.start)
  const lastDate = localDate(slot.end - 1)
  if (h.bookableFrom !== undefined && firstDate < h.bookableFrom) return false
  if (h.bookableUntil !== undefined && lastDate > h.bookableUntil) return false
  if (h.horizonDays !== undefined && lastDate > addDays(localDate(q.now), h.horizonDays)) return false
  if (h.maxBookingsPerWeek !== undefined) {
    const week = mondayOf(firstDate)
    const count = [...q.holds, ...q.bookings].filter((c) => mondayOf(localDate(c.start)) === week).length
    if (count >= h.maxBookingsPerWeek) return false
  }
  for (let t = slot.start; t < slot.end; t += MIN) {
    const date = localDate(t)
    const minutes = localMinutes(t)
    for (const o of h.dateOverrides ?? []) {
      if (date < o.from || date > o.until) continue
      const open = o.hours.some((r) => {
        const [sh, sm] = r.start.split(":").map(Number)
        const [eh, em] = r.end.split(":").map(Number)
        return minutes >= sh! * 60 + sm! && minutes < eh! * 60 + em!
      })
      if (!open) return false
    }
  }
  return true
}

describe("the host's rules in the slot engine", () => {
  it("a day off removes exactly that host-local day; other hours keep only those hours", () => {
    const q = base({
      dateOverrides: [
        { from: "2026-03-23", until: "2026-03-23", hours: [] },
        { from: "2026-03-24", until: "2026-03-24", hours: [{ start: "10:00", end: "11:00" }] }
      ]
    })
    const days = (list: Array<Interval>, date: string) => list.filter((s) => localDate(s.start) === date)
    const all = slots(base({}))
    const got = slots(q)
    expect(days(all, "2026-03-23").length).toBeGreaterThan(0)
    expect(days(got, "2026-03-23")).toEqual([])
    expect(days(got, "2026-03-24").map((s) => hm(localMinutes(s.start)))).toEqual(["10:00", "10:30"])
    expect(days(got, "2026-03-25")).toEqual(days(all, "2026-03-25"))
  })

  it("a weekly cap closes a host-local ISO week once it has that many holds and bookings", () => {
    const monday = at("2026-03-23T09:00:00+01:00")
    const q = base({ maxBookingsPerWeek: 2 }, [{ start: monday, end: monday + 30 * MIN }], [{ start: monday + 2 * HOUR, end: monday + 2.5 * HOUR }])
    const got = slots(q)
    expect(got.some((s) => localDate(s.start) >= "2026-03-23" && localDate(s.start) <= "2026-03-29")).toBe(false)
    expect(got.some((s) => localDate(s.start) === "2026-03-22")).toBe(true) // the Sunday before is another week
    expect(got.some((s) => localDate(s.start) === "2026-03-30")).toBe(true)
    expect(slots({ ...q, host: { ...q.host, maxBookingsPerWeek: 3 } }).some((s) => localDate(s.start) === "2026-03-25")).toBe(true)
  })

  it("a rolling horizon ends with the host-local day N days after today; fixed dates bound both ends", () => {
    const rolling = slots(base({ horizonDays: 3 }))
    expect(localDate(rolling.at(-1)!.start)).toBe("2026-03-23")
    const fixed = slots(base({ bookableFrom: "2026-03-30", bookableUntil: "2026-03-31" }))
    expect([...new Set(fixed.map((s) => localDate(s.start)))]).toEqual(["2026-03-30", "2026-03-31"])
    expect(slots(base({ horizonDays: 0 })).every((s) => localDate(s.start) === "2026-03-20")).toBe(true)
  })

  it("names an invalid rule's field", () => {
    expect(findSlots(base({ bookableFrom: "2026-02-30" }))).toMatchObject({ _tag: "Left", left: { field: "host.bookableFrom" } })
    expect(findSlots(base({ bookableFrom: "2026-03-02", bookableUntil: "2026-03-01" }))).toMatchObject({ left: { field: "host.bookableUntil" } })
    expect(findSlots(base({ maxBookingsPerWeek: -1 }))).toMatchObject({ left: { field: "host.maxBookingsPerWeek" } })
    expect(findSlots(base({ dateOverrides: [{ from: "2026-03-23", until: "2026-03-23", hours: [{ start: "11:00", end: "10:00" }] }] })))
      .toMatchObject({ left: { field: "host.dateOverrides[0].hours[0].end" } })
  })

  it("matches the oracle for random caps, horizons, overrides, buffers and commitments across the DST change", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed)
      const pick = (n: number) => Math.floor(r() * n)
      const date = (from: string, span: number) => addDays(from, pick(span))
      const commitments = Array.from({ length: pick(6) }, () => {
        const start = at("2026-03-20T07:00:00Z") + pick(22 * 48) * 30 * MIN
        return { start, end: start + 30 * MIN }
      })
      const overrides = Array.from({ length: pick(4) }, () => {
        const from = date("2026-03-19", 20)
        const open = 6 * 60 + pick(28) * 30
        const hours = r() < 0.3 ? [] : [{ start: hm(open), end: hm(Math.min(open + 30 + pick(12) * 30, 24 * 60)) }]
        return { from, until: addDays(from, pick(3)), hours }
      })
      const host: Partial<HostRules> = {
        bufferBeforeMin: pick(3) * 15,
        bufferAfterMin: pick(3) * 15,
        minimumNoticeMin: pick(4) * 240,
        ...(r() < 0.6 ? { maxBookingsPerWeek: 1 + pick(4) } : {}),
        ...(r() < 0.5 ? { horizonDays: pick(20) } : {}),
        ...(r() < 0.3 ? { bookableFrom: date("2026-03-18", 8), bookableUntil: date("2026-03-27", 10) } : {}),
        ...(overrides.length > 0 ? { dateOverrides: overrides } : {})
      }
      const half = pick(commitments.length + 1)
      const q = base(host, commitments.slice(0, half), commitments.slice(half))
      const withoutNewRules = base(
        { bufferBeforeMin: host.bufferBeforeMin!, bufferAfterMin: host.bufferAfterMin!, minimumNoticeMin: host.minimumNoticeMin! },
        q.holds as Array<Interval>,
        q.bookings as Array<Interval>
      )
      const expected = slots(withoutNewRules).filter(admits(q))
      expect({ seed, slots: slots(q) }).toEqual({ seed, slots: expected })
    }
  })
})
