import { MINUTE_MS } from "./civil"

/**
 * The meeting lengths the engine may offer, in ms ascending. The preferred length (clamped into the
 * guest's [durationMin, durationMax]; the guest's durationMin when the host states none) is offered
 * wherever it fits; where it does not, the longest shorter length from durationMin, durationMin + step,
 * durationMin + 2·step … that fits. Lengths come from this short ladder rather than "whatever is free" so
 * that an offered end never gives away the exact edge of someone's busy time.
 */
export interface DurationLadder {
  readonly preferred: number
  /** Ascending; ends with `preferred`; first is durationMin. */
  readonly lengths: ReadonlyArray<number>
}

export const durationLadder = (
  durationMin: number,
  durationMax: number,
  stepMin: number,
  preferredMin: number | undefined
): DurationLadder => {
  const preferred = Math.min(Math.max(preferredMin ?? durationMin, durationMin), durationMax)
  const lengths: Array<number> = []
  for (let minutes = durationMin; minutes < preferred; minutes += stepMin) lengths.push(minutes * MINUTE_MS)
  lengths.push(preferred * MINUTE_MS)
  return { preferred: preferred * MINUTE_MS, lengths }
}

/** The length to offer when `free` ms are free from the start on, or 0 when not even durationMin fits. */
export const fittingLength = (ladder: DurationLadder, free: number): number => {
  const { lengths } = ladder
  for (let i = lengths.length - 1; i >= 0; i--) if (lengths[i]! <= free) return lengths[i]!
  return 0
}
