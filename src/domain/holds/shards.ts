import { DAY_MS } from "../slots/civil"
import type { Span } from "./overlap"

/**
 * Host+day shards, for hosts too busy for one HostMatchDO (not enabled: today every host has one object,
 * `idFromName(hostDid)`). The rule that keeps a shard boundary from producing an overlap:
 *
 *   a hold is registered in EVERY UTC-day shard its buffered footprint [start − gap, end + gap) touches
 *   (its home shard is the day of its start; the others carry a marker with the hold's real span), and a
 *   reservation succeeds only when every one of those shards accepts it.
 *
 * Why that suffices: if a new hold N (gap g) clashes with an existing E — they overlap, or are less than g
 * apart — there is an instant t inside E (so inside E's footprint, whatever E's gap was) that is also inside
 * N's footprint [N.start − g, N.end + g). The shard of day(t) holds E's marker and must be asked about N,
 * and being a single writer it refuses. Holds are at most 24 h and gaps at most 24 h, so a footprint touches
 * at most four day shards; reservations take them in ascending day order and never wait, so a refusal rolls
 * back the shards already taken and nothing deadlocks. UTC days (not host-local ones) keep the key monotonic
 * in time across DST changes.
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
