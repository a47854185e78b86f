import { DAY_MS, MINUTE_MS, civilDay, parseLocalTime } from "./civil"
import type { DateOverride, HostRules, Interval } from "./query"
import type { Zone } from "./zone"

/**
 * The host's own calendar rules in instants: the booking horizon (rolling or fixed dates) and the date
 * overrides (other hours, or none, on some host-local days). Both are read in the host's zone, so a day is
 * the host's wall-clock day across clock changes (local midnight as zone.ts resolves it).
 */

const CIVIL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The civil day number (days since 1970-01-01) of a real date "YYYY-MM-DD", or undefined. */
export const parseCivilDate = (text: string): number | undefined => {
  const m = CIVIL_DATE.exec(text)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const ms = Date.UTC(year, month - 1, day)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined
  return ms / DAY_MS
}

/** The instant of local midnight starting a civil day in the zone. */
const midnight = (zone: Zone, day: number): number => zone.instantOf(day * DAY_MS)

/**
 * [from, until) a candidate must lie within by the host's horizon: `horizonDays` counts host-local days after
 * today (0 = today only), `bookableFrom`/`bookableUntil` are inclusive host-local dates. Unbounded sides are ±∞.
 */
export const bookableRange = (
  zone: Zone,
  host: Pick<HostRules, "horizonDays" | "bookableFrom" | "bookableUntil">,
  now: number
): { readonly from: number; readonly until: number } => {
  let from = -Infinity
  let until = Infinity
  if (host.horizonDays !== undefined) {
    until = midnight(zone, civilDay(zone.wallAt(now)) + host.horizonDays + 1)
  }
  const first = host.bookableFrom !== undefined ? parseCivilDate(host.bookableFrom) : undefined
  const last = host.bookableUntil !== undefined ? parseCivilDate(host.bookableUntil) : undefined
  if (first !== undefined) from = midnight(zone, first)
  if (last !== undefined) until = Math.min(until, midnight(zone, last + 1))
  return { from, until }
}

/**
 * The time date overrides take away within [from, until): on each overridden host-local day, everything
 * outside the override's hours (the whole day when it has none). Where two overrides cover a day both apply.
 */
export const overrideBlocks = (
  zone: Zone,
  overrides: ReadonlyArray<DateOverride>,
  from: number,
  until: number
): Array<Interval> => {
  const out: Array<Interval> = []
  if (overrides.length === 0 || until <= from) return out
  const fromDay = civilDay(zone.wallAt(from))
  const untilDay = civilDay(zone.wallAt(until))
  for (const override of overrides) {
    const first = parseCivilDate(override.from)
    const last = parseCivilDate(override.until)
    if (first === undefined || last === undefined) continue // validateQuery refuses these first
    const hours = override.hours
      .map((h) => ({ start: parseLocalTime(h.start) ?? 0, end: parseLocalTime(h.end) ?? 0 }))
      .sort((a, b) => a.start - b.start)
    for (let day = Math.max(first, fromDay); day <= Math.min(last, untilDay); day++) {
      const dayStart = midnight(zone, day)
      const dayEnd = midnight(zone, day + 1)
      let cursor = dayStart
      for (const h of hours) {
        const open = zone.instantOf(day * DAY_MS + h.start * MINUTE_MS)
        const close = zone.instantOf(day * DAY_MS + h.end * MINUTE_MS)
        if (open > cursor) out.push({ start: cursor, end: open })
        cursor = Math.max(cursor, close)
      }
      if (cursor < dayEnd) out.push({ start: cursor, end: dayEnd })
    }
  }
  return out
}
