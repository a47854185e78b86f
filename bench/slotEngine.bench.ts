/**
 * Issue 3, "Done when": the slot engine on a 30-day window, 3 offer windows per weekday, 500 host + 500
 * guest busy intervals, 15-minute step, 30-minute meetings — median time per call, target ≤ 1 ms.
 * Inputs are generated with a seeded PRNG, so every run measures the same query.
 */
import { Either } from "effect"
import { clearZoneCache, findSlots, type Interval, type SlotQuery } from "../src/domain/slots"
import { measure, seededRandom } from "./harness"

const MIN = 60_000
const DAY = 1_440 * MIN
// 30 days from Monday 2024-03-18: Europe/Berlin springs forward on 2024-03-31 inside the range, so zone
// transitions are on the hot path too.
const now = Date.UTC(2024, 2, 18)
const latest = now + 30 * DAY

/** `count` intervals anywhere in the 30 days: start on a 5-minute grid, 15–90 minutes long, unsorted. */
const busy = (seed: number, count: number): Array<Interval> => {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => {
    const start = now + Math.floor(random() * (30 * 288)) * 5 * MIN
    return { start, end: start + (1 + Math.floor(random() * 6)) * 15 * MIN }
  })
}

const weekdays = [1, 2, 3, 4, 5]
const issueQuery = (limit: number): SlotQuery => ({
  now,
  limit,
  offers: [
    { _tag: "weekly", timeZone: "Europe/Berlin", weekdays, start: "09:00", end: "11:00" },
    { _tag: "weekly", timeZone: "Europe/Berlin", weekdays, start: "13:00", end: "15:00" },
    { _tag: "weekly", timeZone: "Europe/Berlin", weekdays, start: "16:00", end: "18:00" }
  ],
  hostBusy: busy(1, 500),
  guestBusy: busy(2, 500),
  holds: [],
  bookings: [],
  host: { timeZone: "Europe/Berlin", bufferBeforeMin: 0, bufferAfterMin: 0, minimumNoticeMin: 0, slotStepMin: 15 },
  guest: { timeZone: "America/New_York", durationMin: 30, durationMax: 30, earliest: now, latest }
})

const withRules = (q: SlotQuery): SlotQuery => ({
  ...q,
  holds: busy(3, 10),
  bookings: busy(4, 20),
  host: { ...q.host, bufferBeforeMin: 10, bufferAfterMin: 10, minimumNoticeMin: 240, maxBookingsPerDay: 3, preferredDurationMin: 45 },
  guest: { ...q.guest, weekdays, durationMax: 60 }
})

const ISSUE_INPUTS =
  "30-day window from 2024-03-18, 3 offer windows per weekday (Mon–Fri 09–11, 13–15, 16–18 Europe/Berlin weekly rules), " +
  "500 host + 500 guest busy intervals (seeded, uniform over the 30 days, 15–90 min, unsorted), 15-min step, " +
  "30-min meetings, guest America/New_York"
const NEUTRAL = "no buffers, notice, daily limit, holds or bookings"

const run = (q: SlotQuery) => () => {
  const result = findSlots(q)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

const sizeOf = (q: SlotQuery) => Either.getOrThrow(findSlots(q)).length

const five = issueQuery(5)
const all = issueQuery(10_000)
const rules = withRules(issueQuery(5))
console.log(`(candidates: N=5 → ${sizeOf(five)}, N=all → ${sizeOf(all)}, with rules → ${sizeOf(rules)})`)

await measure({ name: "slot engine, N = 5", inputs: `${ISSUE_INPUTS}; ${NEUTRAL}`, warmup: 300, iterations: 3_000, fn: run(five) })
await measure({
  name: "slot engine, N = all (full sweep)",
  inputs: `${ISSUE_INPUTS}; ${NEUTRAL}; every candidate returned`,
  warmup: 300,
  iterations: 3_000,
  fn: run(all)
})
await measure({
  name: "slot engine, N = 5, host rules on",
  inputs: `${ISSUE_INPUTS}; buffers 10/10 min, notice 4 h, max 3 bookings/day, 10 holds + 20 bookings, ` +
    "guest Mon–Fri, 30–60 min preferring 45",
  warmup: 300,
  iterations: 3_000,
  fn: run(rules)
})
await measure({
  name: "slot engine, N = 5, cold zone cache",
  inputs: `${ISSUE_INPUTS}; ${NEUTRAL}; zone offset cache cleared before every call (first call in a fresh isolate)`,
  warmup: 20,
  iterations: 300,
  fn: () => {
    clearZoneCache()
    return run(five)()
  }
})
