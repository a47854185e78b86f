import { civilDay } from "./civil"
import type { Interval } from "./query"
import type { Zone } from "./zone"

/**
 * Host-local days (civil day numbers in the host's zone) that already have `max` or more holds and
 * bookings, each counted on the host-local day it starts. A candidate starting on such a day is refused.
 * Candidates do not count against each other: the guest takes at most one of them.
 */
export const fullHostDays = (
  hostZone: Zone,
  commitments: ReadonlyArray<ReadonlyArray<Interval>>,
  max: number
): ReadonlySet<number> => {
  const perDay = new Map<number, number>()
  for (const list of commitments) {
    for (const { start } of list) {
      const day = civilDay(hostZone.wallAt(start))
      perDay.set(day, (perDay.get(day) ?? 0) + 1)
    }
  }
  const full = new Set<number>()
  for (const [day, count] of perDay) if (count >= max) full.add(day)
  return full
}

/** The host-local ISO week (Monday to Sunday) of a civil day: 1970-01-01 was a Thursday. */
export const isoWeekOf = (day: number): number => Math.floor((day + 3) / 7)

/** Host-local ISO weeks (see isoWeekOf) that already have `max` or more holds and bookings starting in them. */
export const fullHostWeeks = (
  hostZone: Zone,
  commitments: ReadonlyArray<ReadonlyArray<Interval>>,
  max: number
): ReadonlySet<number> => {
  const perWeek = new Map<number, number>()
  for (const list of commitments) {
    for (const { start } of list) {
      const week = isoWeekOf(civilDay(hostZone.wallAt(start)))
      perWeek.set(week, (perWeek.get(week) ?? 0) + 1)
    }
  }
  const full = new Set<number>()
  for (const [week, count] of perWeek) if (count >= max) full.add(week)
  return full
}
