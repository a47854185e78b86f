/**
 * Sorted, disjoint blocked intervals, as two parallel arrays (starts ascending) for a cache-friendly sweep.
 * Intervals that overlap or touch are merged.
 */
export interface BlockedTime {
  readonly starts: Float64Array
  readonly ends: Float64Array
  readonly count: number
}

/** One source of blocking intervals and how far each interval reaches out before and after itself. */
export interface BlockSource {
  readonly intervals: ReadonlyArray<{ readonly start: number; readonly end: number }>
  readonly reachBefore: number
  readonly reachAfter: number
}

/**
 * The union of every source's intervals (each widened by its reach), keeping only what meets
 * [from, until). Starts and ends are sorted separately (native typed-array sorts, no comparator calls)
 * and swept with a depth counter: the union is wherever more intervals have started than ended.
 */
export const blockedTime = (sources: ReadonlyArray<BlockSource>, from: number, until: number): BlockedTime => {
  let total = 0
  for (const source of sources) total += source.intervals.length
  const rawStarts = new Float64Array(total)
  const rawEnds = new Float64Array(total)
  let n = 0
  for (const { intervals, reachAfter, reachBefore } of sources) {
    for (let i = 0; i < intervals.length; i++) {
      const start = intervals[i]!.start - reachBefore
      const end = intervals[i]!.end + reachAfter
      if (end > from && start < until) {
        rawStarts[n] = start
        rawEnds[n] = end
        n++
      }
    }
  }
  const starts = rawStarts.subarray(0, n).sort()
  const ends = rawEnds.subarray(0, n).sort()

  // Merge in place: output index k never overtakes the read positions.
  let k = 0, i = 0, j = 0, depth = 0, openedAt = 0
  while (i < n) {
    if (starts[i]! <= ends[j]!) {
      // A start at the same instant as an end goes first, so touching intervals merge.
      if (depth === 0) openedAt = starts[i]!
      depth++
      i++
    } else {
      depth--
      if (depth === 0) {
        starts[k] = openedAt
        ends[k] = ends[j]!
        k++
      }
      j++
    }
  }
  if (n > 0) {
    starts[k] = openedAt
    ends[k] = ends[n - 1]!
    k++
  }
  return { starts, ends, count: k }
}

/** Index of the first blocked interval that ends after `instant` (count if none). */
export const firstEndingAfter = (blocked: BlockedTime, instant: number): number => {
  let lo = 0, hi = blocked.count
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (blocked.ends[mid]! <= instant) lo = mid + 1
    else hi = mid
  }
  return lo
}
