/**
 * A deliberately naive reference for the property tests. It shares no code with src/domain/slots: every
 * offset comes straight from `Intl.formatToParts` (no offset cache, no bisection), weekdays from
 * `Date#getUTCDay`, every check is a linear scan, and candidates are found by trying every minute.
 * Slow, and only valid for steps that divide a day (then the grid is "local minute-of-day is a multiple
 * of the step", whatever the anchor day) and for minute-aligned inputs.
 */
import type { Interval, Slot, SlotQuery } from "../../../src/domain/slots"

const MIN = 60_000
const DAY = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatter = (zone: string): Intl.DateTimeFormat => {
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(zone, f)
  }
  return f
}

/** The zone's wall clock at a (whole-second) instant, written as if UTC. */
export const wallOf = (zone: string, t: number): number => {
  const p = Object.fromEntries(formatter(zone).formatToParts(t).map((x) => [x.type, x.value]))
  return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!)
}
export const offsetOf = (zone: string, t: number): number => wallOf(zone, t) - t

/** ISO weekday (1 = Monday … 7 = Sunday) of an instant on the zone's wall clock. */
export const weekdayOf = (zone: string, t: number): number => new Date(wallOf(zone, t)).getUTCDay() || 7
/** The zone's calendar date (YYYY-MM-DD) of an instant. */
export const dateOf = (zone: string, t: number): string => new Date(wallOf(zone, t)).toISOString().slice(0, 10)

/**
 * Wall clock → instant, Temporal "compatible": look at every offset the zone uses within ±14 h (sampled
 * every 15 minutes); the instants whose wall clock reads `wall` are the candidates; two → the earlier;
 * none (a gap) → read the wall time with the offset from before the gap (the smaller one).
 */
export const instantOf = (zone: string, wall: number): number => {
  const offsets = new Set<number>()
  for (let t = wall - 14 * 3_600_000; t <= wall + 14 * 3_600_000; t += 15 * MIN) offsets.add(offsetOf(zone, t))
  const hits = [...offsets].map((o) => wall - o).filter((t) => wallOf(zone, t) === wall)
  if (hits.length > 0) return Math.min(...hits)
  return wall - Math.min(...offsets)
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(":").map(Number)
  return h! * 60 + m!
}

export interface OracleWindow {
  readonly start: number
  readonly end: number
  readonly zone: string
}

/** Offer windows laid out day by day (wide margin), then merged per zone where they overlap or touch. */
export const windowsOf = (q: SlotQuery, from: number, until: number): Array<OracleWindow> => {
  const raw: Array<OracleWindow> = []
  for (const offer of q.offers) {
    if (offer._tag === "window") {
      raw.push({ start: offer.start, end: offer.end, zone: offer.timeZone })
      continue
    }
    const startMin = minutes(offer.start)
    let endMin = minutes(offer.end)
    if (endMin <= startMin) endMin += 1_440
    for (let day = Math.floor(from / DAY) - 3; day <= Math.floor(until / DAY) + 2; day++) {
      const weekday = new Date(day * DAY).getUTCDay() || 7
      if (!offer.weekdays.includes(weekday)) continue
      const start = Math.max(instantOf(offer.timeZone, day * DAY + startMin * MIN), offer.validFrom ?? -Infinity)
      const end = Math.min(instantOf(offer.timeZone, day * DAY + endMin * MIN), offer.validUntil ?? Infinity)
      if (end > start) raw.push({ start, end, zone: offer.timeZone })
    }
  }
  raw.sort((a, b) => (a.zone === b.zone ? a.start - b.start : a.zone < b.zone ? -1 : 1))
  const merged: Array<{ start: number; end: number; zone: string }> = []
  for (const w of raw) {
    const last = merged[merged.length - 1]
    if (last !== undefined && last.zone === w.zone && w.start <= last.end) last.end = Math.max(last.end, w.end)
    else merged.push({ ...w })
  }
  return merged
}

const meets = (a0: number, a1: number, b: Interval): boolean => a0 < b.end && b.start < a1

/** Every rule a candidate must satisfy, except "inside an offer window" and "on the grid". */
export const violations = (q: SlotQuery, slot: Slot): Array<string> => {
  const { guest, host } = q
  const out: Array<string> = []
  const length = (slot.end - slot.start) / MIN
  const before = host.bufferBeforeMin * MIN
  const after = host.bufferAfterMin * MIN
  const between = Math.max(before, after)
  if (slot.start < q.now + host.minimumNoticeMin * MIN) out.push("minimum notice")
  if (slot.start < guest.earliest) out.push("before earliest")
  if (slot.end > guest.latest) out.push("after latest")
  if (length < guest.durationMin || length > guest.durationMax) out.push(`length ${length}`)
  if (guest.weekdays !== undefined && !guest.weekdays.includes(weekdayOf(guest.timeZone, slot.start))) {
    out.push("guest weekday")
  }
  if (host.maxBookingsPerDay !== undefined) {
    const date = dateOf(host.timeZone, slot.start)
    const taken = [...q.holds, ...q.bookings].filter((b) => dateOf(host.timeZone, b.start) === date).length
    if (taken >= host.maxBookingsPerDay) out.push("daily limit")
  }
  if (q.guestBusy.some((b) => meets(slot.start, slot.end, b))) out.push("guest busy")
  if (q.hostBusy.some((b) => meets(slot.start - before, slot.end + after, b))) out.push("host busy (with buffers)")
  if ([...q.holds, ...q.bookings].some((b) => meets(slot.start, slot.end, { start: b.start - between, end: b.end + between }))) {
    out.push("hold/booking (with buffers)")
  }
  return out
}

/** The whole answer, by trying every minute of every window. */
export const oracleSlots = (q: SlotQuery): Array<Slot> => {
  const { guest, host } = q
  const from = Math.max(guest.earliest, q.now + host.minimumNoticeMin * MIN)
  const preferred = Math.min(Math.max(host.preferredDurationMin ?? guest.durationMin, guest.durationMin), guest.durationMax)
  const ladder: Array<number> = []
  for (let m = guest.durationMin; m < preferred; m += host.slotStepMin) ladder.push(m)
  ladder.push(preferred)
  ladder.reverse() // longest (= preferred) first

  const best = new Map<number, number>() // start → length in minutes
  for (const w of windowsOf(q, from, guest.latest)) {
    for (let t = Math.ceil(Math.max(w.start, from) / MIN) * MIN; t < Math.min(w.end, guest.latest); t += MIN) {
      if ((wallOf(w.zone, t) / MIN) % host.slotStepMin !== 0) continue
      const length = ladder.find((m) => t + m * MIN <= w.end && violations(q, { start: t, end: t + m * MIN }).length === 0)
      if (length !== undefined && length > (best.get(t) ?? 0)) best.set(t, length)
    }
  }
  return [...best.entries()]
    .sort(([a], [b]) => a - b)
    .slice(0, q.limit)
    .map(([start, length]) => ({ start, end: start + length * MIN }))
}
