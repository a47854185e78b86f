import type { Slot } from "./query"

/**
 * Candidate order: earliest start first; for equal starts, the length closest to the preferred one, then
 * the longer. Only the first candidate per start is kept, so N candidates are N different times.
 * (The sweep already picks one length per start; equal starts arise from overlapping windows in
 * different zones.)
 */
export const compareSlots = (preferred: number) => (a: Slot, b: Slot): number =>
  a.start - b.start ||
  Math.abs(a.end - a.start - preferred) - Math.abs(b.end - b.start - preferred) ||
  b.end - a.end

/** Sort, keep the best candidate per start, and cut to `limit`. Pure; returns a new array. */
export const rankSlots = (candidates: ReadonlyArray<Slot>, preferred: number, limit: number): Array<Slot> => {
  const sorted = [...candidates].sort(compareSlots(preferred))
  const ranked: Array<Slot> = []
  for (const slot of sorted) {
    if (ranked.length === limit) break
    if (ranked.length === 0 || ranked[ranked.length - 1]!.start !== slot.start) ranked.push(slot)
  }
  return ranked
}
