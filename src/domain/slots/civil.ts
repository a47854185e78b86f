/**
 * Civil (wall-clock) arithmetic with no time zone: a "wall" value is a local date-time written as
 * if it were UTC epoch milliseconds, so that plain integer maths gives days, weekdays and times.
 */

export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS
export const MINUTES_PER_DAY = 1_440

/** Days since 1970-01-01 of a wall value (floored, so it is right before 1970 too). */
export const civilDay = (wall: number): number => Math.floor(wall / DAY_MS)

/** ISO weekday of a civil day: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export const isoWeekday = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1

const LOCAL_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/

/** Minutes after local midnight of an "HH:MM" time ("24:00" is the next midnight), or undefined. */
export const parseLocalTime = (text: string): number | undefined => {
  const m = LOCAL_TIME.exec(text)
  if (m === null) return undefined
  return m[3] !== undefined ? MINUTES_PER_DAY : Number(m[1]) * 60 + Number(m[2])
}

/** Floor-modulo: the result has the sign of the divisor, so grid maths works before 1970 too. */
export const mod = (a: number, b: number): number => ((a % b) + b) % b
