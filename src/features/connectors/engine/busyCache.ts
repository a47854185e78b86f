import type { Interval } from "../../../services/CalendarProvider"

const MAX_CACHED_RANGES = 64

/**
 * Free/busy answers reused for at most `maxAgeMs` (ConnectorSettings.busyCacheMs, ≤ 60 s), in memory only,
 * and dropped whenever a hold is written or the calendar changes.
 */
export interface BusyCache {
  readonly get: (range: Interval, now: number) => ReadonlyArray<Interval> | undefined
  /** Bumped by every `invalidate`: an answer computed across a bump is stale. */
  readonly generation: () => number
  /** Keeps an answer computed since `generation`, unless the cache was invalidated meanwhile. */
  readonly put: (range: Interval, now: number, intervals: ReadonlyArray<Interval>, generation: number) => void
  readonly invalidate: () => void
}

export const makeBusyCache = (maxAgeMs: number): BusyCache => {
  const entries = new Map<string, { readonly at: number; readonly intervals: ReadonlyArray<Interval> }>()
  let generation = 0
  const keyOf = (range: Interval) => `${range.start}:${range.end}`
  return {
    get: (range, now) => {
      const hit = entries.get(keyOf(range))
      return hit !== undefined && now - hit.at < maxAgeMs ? hit.intervals : undefined
    },
    generation: () => generation,
    put: (range, now, intervals, seen) => {
      if (seen !== generation || maxAgeMs <= 0) return
      entries.set(keyOf(range), { at: now, intervals })
      if (entries.size > MAX_CACHED_RANGES) entries.delete(entries.keys().next().value!)
    },
    invalidate: () => {
      entries.clear()
      generation++
    }
  }
}
