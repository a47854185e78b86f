import { DAY_MS, MINUTE_MS } from "../slots/civil"

/**
 * When two of a host's commitments (holds, booked meetings) are too close: the rule HostMatchDO checks
 * before it reserves, and the rule the slot engine applies (engine.ts): a new meeting keeps
 * max(bufferBefore, bufferAfter) away from every hold and booking — its own buffers and the existing
 * meeting's buffers both hold. Pure; instants are UTC epoch ms, intervals half-open [start, end).
 */

export interface Span {
  readonly start: number
  readonly end: number
}

export interface Buffers {
  readonly bufferBeforeMin: number
  readonly bufferAfterMin: number
}

/** The longest hold a host object accepts: the slot engine's longest meeting (1 440 min). */
export const MAX_HOLD_MS = DAY_MS

/** The gap two commitments of a host must keep: the larger buffer. */
export const separationMs = (buffers: Buffers): number => Math.max(buffers.bufferBeforeMin, buffers.bufferAfterMin) * MINUTE_MS

/** a and b overlap, or are closer than `gapMs` (touching is fine when the gap is 0). */
export const clash = (a: Span, b: Span, gapMs: number): boolean => a.start < b.end + gapMs && b.start < a.end + gapMs

/** The first commitment `candidate` clashes with, if any. */
export const firstClash = <S extends Span>(candidate: Span, existing: Iterable<S>, gapMs: number): S | undefined => {
  for (const other of existing) if (clash(candidate, other, gapMs)) return other
  return undefined
}

/**
 * Where to look for commitments that could clash with `candidate`: every commitment starting in this range
 * (a commitment is at most MAX_HOLD_MS long, so one starting earlier ends before the candidate's gap).
 */
export const clashSearchRange = (candidate: Span, gapMs: number): Span => ({
  start: candidate.start - gapMs - MAX_HOLD_MS,
  end: candidate.end + gapMs
})

/**
 * Every pair of spans that clash (indexes into `spans`), found with one sort and a sweep. Used by tests to
 * prove that no two holds overlap.
 */
export const clashingPairs = (spans: ReadonlyArray<Span>, gapMs = 0): Array<readonly [number, number]> => {
  const order = spans.map((_, i) => i).sort((a, b) => spans[a]!.start - spans[b]!.start)
  const pairs: Array<readonly [number, number]> = []
  const open: Array<number> = []
  for (const i of order) {
    const s = spans[i]!
    // Drop spans that end (plus the gap) at or before this start: they clash with nothing later either.
    for (let k = open.length - 1; k >= 0; k--) if (spans[open[k]!]!.end + gapMs <= s.start) open.splice(k, 1)
    for (const j of open) pairs.push([j, i])
    open.push(i)
  }
  return pairs
}

/**
 * `spans` with [cut.start, cut.end) taken out (a span may split in two). A reschedule reads both calendars'
 * busy time, which includes the meeting being moved: its own time must not block its new one.
 */
export const subtractSpan = (spans: ReadonlyArray<Span>, cut: Span): Array<Span> =>
  spans.flatMap((s) => {
    if (s.end <= cut.start || s.start >= cut.end) return [s]
    const parts: Array<Span> = []
    if (s.start < cut.start) parts.push({ start: s.start, end: cut.start })
    if (s.end > cut.end) parts.push({ start: cut.end, end: s.end })
    return parts
  })

/** `spans` without one span equal to `own` (a host's commitments, minus the meeting being moved). */
export const withoutOne = (spans: ReadonlyArray<Span>, own: Span): Array<Span> => {
  const i = spans.findIndex((s) => s.start === own.start && s.end === own.end)
  return i < 0 ? [...spans] : [...spans.slice(0, i), ...spans.slice(i + 1)]
}
