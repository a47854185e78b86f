import { DAY_MS } from "../slots/civil"
import type { Span } from "./overlap"

/**
 * Host+day shards, for hosts too busy for one HostMatchDO: behind the per-host `dayShards` switch (off by
 * default; see docs/architecture.md, "Host+day shards"). With it off every host has one object,
 * `idFromName(hostDid)`; with it on that object routes and each UTC day's holds live in the object
 * `shardName(hostDid, day)`. The rule that keeps a shard boundary from producing an overlap:
 *
 *   a hold is registered in EVERY UTC-day shard its buffered footprint [start − gap, end + gap) touches
 *   (its home shard is the day of its start; the others carry a marker with the hold's real span), and a
 *   reservation succeeds only when every one of those shards accepts it.
 *
 * Why that suffices: if a new hold N (gap g) clashes with an existing E — they overlap, or are less than g
 * apart — there is an instant t inside E (so inside E's footprint, whatever E's gap was) that is also inside
 * N's footprint [N.start − g, N.end + g). The shard of day(t) holds E's marker and must be asked about N,
 * and being a single writer it refuses. Holds are at most 24 h and gaps at most 24 h, so a footprint touches
 * at most four day shards; a reservation takes its home shard first (in the same synchronous step as the slot
 * search there), then the others in ascending day order, and never waits: a refusal rolls back the shards already
 * taken and nothing deadlocks. UTC days (not host-local ones) keep the key monotonic in time across DST changes.
 */

/** The UTC day numbers (days since 1970-01-01) whose shard must accept a hold. */
export const shardDaysOf = (span: Span, gapMs: number): ReadonlyArray<number> => {
  const first = Math.floor((span.start - gapMs) / DAY_MS)
  const last = Math.floor((span.end + gapMs - 1) / DAY_MS)
  const days: Array<number> = []
  for (let day = first; day <= last; day++) days.push(day)
  return days
}

/** The Durable Object name of a host's shard for one UTC day, e.g. `did:plc:abc#2026-03-18`. */
export const shardName = (hostDid: string, day: number): string =>
  `${hostDid}#${new Date(day * DAY_MS).toISOString().slice(0, 10)}`

/** The UTC day of an instant: the home shard of a hold that starts then. */
export const dayOf = (instant: number): number => Math.floor(instant / DAY_MS)

/**
 * The key under which a day shard keeps a marker for a hold homed in another shard: the hold's booking id and
 * its home day (booking ids never contain `#`). The marker blocks the hold's real span; its owner is asked
 * (`markerOwner`) whether it still does before the marker is renewed or dropped.
 */
export const markerKey = (bookingId: string, homeDay: number): string => `${bookingId}#d${homeDay}`

export const markerOwner = (key: string): { readonly bookingId: string; readonly homeDay: number } | undefined => {
  const match = /^(.+)#d(-?\d+)$/.exec(key)
  return match === null ? undefined : { bookingId: match[1]!, homeDay: Number(match[2]) }
}

/**
 * The days a slot may start on, ascending: every start s has `from ≤ s` and `s + shortestMs ≤ until`.
 * The router asks their shards one after another (earliest first, like the slot engine's ranking).
 */
export const startDays = (from: number, until: number, shortestMs: number): ReadonlyArray<number> => {
  const days: Array<number> = []
  for (let day = dayOf(from); day <= dayOf(until - shortestMs); day++) days.push(day)
  return days
}

/**
 * A guest window narrowed to the slots a day's shard may hold: starting on `day` (they may end on the next
 * day, up to `longestMs` after midnight). Undefined when nothing of the window is left.
 */
export const windowOfDay = (
  window: { readonly earliest: number; readonly latest: number },
  day: number,
  longestMs: number
): { readonly earliest: number; readonly latest: number } | undefined => {
  const earliest = Math.max(window.earliest, day * DAY_MS)
  const latest = Math.min(window.latest, (day + 1) * DAY_MS + longestMs)
  return earliest < (day + 1) * DAY_MS && latest > earliest ? { earliest, latest } : undefined
}
