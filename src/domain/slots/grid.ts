import { mod } from "./civil"
import type { GridWindow } from "./offerWindows"

/**
 * The step grid of a window. A grid instant is one whose wall-clock reading in the window's zone is a
 * whole number of steps after local midnight of the window's first day (`anchorWall`): with a 15-minute
 * step, 09:00, 09:15 … local, on every day, DST or not. Wall times skipped by a spring-forward change
 * have no grid instant; wall times repeated by a fall-back change have two. For steps that divide a day
 * (5, 10, 15, 20, 30, 60 … minutes) the anchor day makes no difference; for other steps the grid runs
 * on unbroken across midnight from the window's first day.
 *
 * Returns the first grid instant at or after `from`.
 */
export const gridCeil = (window: GridWindow, stepMs: number, from: number): number => {
  const { anchorWall, zone } = window
  let t = from
  for (;;) {
    const next = t + mod(anchorWall - zone.wallAt(t), stepMs)
    if (next === t) return t
    // If the offset changes in (t, next], the grid points after the change follow the new offset.
    const change = zone.nextTransition(t, next)
    if (change === Infinity) return next
    t = change
  }
}
