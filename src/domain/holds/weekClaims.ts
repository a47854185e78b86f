import type { Span } from "./overlap"
import { civilDay, DAY_MS } from "../slots/civil"
import { isoWeekOf } from "../slots/dailyLimit"
import { zoneFor } from "../slots/zone"

/**
 * The weekly cap across a host's day shards (docs/host-rules.md): each shard sees only its own day, so the
 * host's own object keeps one claim per booking held in a shard, keyed by the host-local ISO week its slot
 * starts in, and a shard's reservation is admitted only when its week has fewer claims than the cap.
 */
export interface WeekClaim {
  readonly bookingId: string
  /** The host-local ISO week (`isoWeekOf`) of `start`. */
  readonly week: number
  readonly start: number
  /** The UTC day of the shard the hold lives in (where its lease is asked). */
  readonly homeDay: number
  /** Until then the claim counts as is; after it the home shard is asked whether the hold still blocks. */
  readonly dueAt: number
  readonly hostTz: string
}

/** A zone name the platform knows, else UTC (the claim is still counted, in UTC weeks). */
const zoneOrUtc = (timeZone: string) => zoneFor(timeZone) ?? zoneFor("UTC")!

/** The host-local ISO week of an instant. */
export const hostWeekOf = (timeZone: string, instant: number): number => isoWeekOf(civilDay(zoneOrUtc(timeZone).wallAt(instant)))

/** The instants of the host-local ISO week an instant lies in: Monday 00:00 to the next Monday 00:00. */
export const hostWeekSpan = (timeZone: string, instant: number): Span => {
  const zone = zoneOrUtc(timeZone)
  const week = hostWeekOf(timeZone, instant)
  // isoWeekOf(day) = floor((day + 3) / 7): the week's Monday is civil day 7·week − 3
  return { start: zone.instantOf((7 * week - 3) * DAY_MS), end: zone.instantOf((7 * week + 4) * DAY_MS) }
}
