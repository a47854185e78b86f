import { DAY_MS, HOUR_MS } from "./civil"

/**
 * IANA time-zone offsets from the platform's `Intl` (full ICU in Node and workerd; no `Temporal` yet).
 *
 * `formatToParts` costs a few microseconds, so a zone resolves its offset once per 6-hour UTC chunk and
 * caches it: a chunk records the offset at its start and, if the offset changes inside it, the exact
 * transition instant (bisection to the second; tzdb transitions fall on whole seconds) and the offset
 * after it. This assumes at most one offset change per zone in any 6 hours, true of tzdb for the
 * supported range (1900–2300). After warm-up an offset lookup is one `Map` read and one comparison.
 *
 * Local → instant follows Temporal's `"compatible"` disambiguation: an ambiguous wall time (fall-back
 * overlap) takes the earlier instant; a wall time in a spring-forward gap is moved forward by the gap
 * (02:30 in a 02:00→03:00 gap becomes 03:30 after the change).
 */
export interface Zone {
  /** Canonical IANA name as the platform resolves it (e.g. "europe/berlin" → "Europe/Berlin"). */
  readonly id: string
  /** Milliseconds to add to a UTC instant to read the zone's wall clock at that instant. */
  readonly offsetAt: (instant: number) => number
  /** The wall-clock value (see civil.ts) of an instant in this zone. */
  readonly wallAt: (instant: number) => number
  /** The instant of a wall-clock value, with "compatible" disambiguation. */
  readonly instantOf: (wall: number) => number
  /** The first instant t with after < t ≤ until where the offset changes, or +Infinity. */
  readonly nextTransition: (after: number, until: number) => number
}

const CHUNK_MS = 6 * HOUR_MS
/** Chunks kept per zone before the cache starts over (≈ 14 years at 4 chunks a day). */
const MAX_CHUNKS_PER_ZONE = 20_000

interface Chunk {
  /** Offset from the chunk's start up to `at`. */
  readonly before: number
  /** First instant with the new offset, or +Infinity when the offset is constant in the chunk. */
  readonly at: number
  /** Offset from `at` to the chunk's end. */
  readonly after: number
}

const makeFormatter = (timeZone: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric"
  })

const makeZone = (formatter: Intl.DateTimeFormat): Zone => {
  const chunks = new Map<number, Chunk>()
  const boundaryOffsets = new Map<number, number>()

  // The offset at a whole-second instant, straight from ICU (slow: a few µs).
  const rawOffset = (instant: number): number => {
    let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0
    for (const part of formatter.formatToParts(instant)) {
      switch (part.type) {
        case "year": year = Number(part.value); break
        case "month": month = Number(part.value); break
        case "day": day = Number(part.value); break
        case "hour": hour = Number(part.value); break
        case "minute": minute = Number(part.value); break
        case "second": second = Number(part.value); break
      }
    }
    return Date.UTC(year, month - 1, day, hour, minute, second) - (instant - (((instant % 1000) + 1000) % 1000))
  }

  const boundaryOffset = (instant: number): number => {
    let offset = boundaryOffsets.get(instant)
    if (offset === undefined) {
      offset = rawOffset(instant)
      boundaryOffsets.set(instant, offset)
    }
    return offset
  }

  const loadChunk = (index: number): Chunk => {
    if (chunks.size >= MAX_CHUNKS_PER_ZONE) {
      chunks.clear()
      boundaryOffsets.clear()
    }
    const start = index * CHUNK_MS
    const end = start + CHUNK_MS
    const before = boundaryOffset(start)
    const after = boundaryOffset(end)
    let chunk: Chunk
    if (before === after) {
      chunk = { before, at: Infinity, after }
    } else {
      // Invariant: offset(lo) = before, offset(hi) = after; both whole seconds.
      let lo = start, hi = end
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000
        if (rawOffset(mid) === before) lo = mid
        else hi = mid
      }
      chunk = { before, at: hi, after }
    }
    chunks.set(index, chunk)
    return chunk
  }

  const chunkOf = (instant: number): Chunk => {
    const index = Math.floor(instant / CHUNK_MS)
    return chunks.get(index) ?? loadChunk(index)
  }

  const offsetAt = (instant: number): number => {
    const chunk = chunkOf(instant)
    return instant < chunk.at ? chunk.before : chunk.after
  }

  const nextTransition = (after: number, until: number): number => {
    const last = Math.floor(until / CHUNK_MS)
    for (let index = Math.floor(after / CHUNK_MS); index <= last; index++) {
      const chunk = chunks.get(index) ?? loadChunk(index)
      if (chunk.at > after && chunk.at <= until) return chunk.at
    }
    return Infinity
  }

  const instantOf = (wall: number): number => {
    // Offsets never exceed a day, so the instant lies in (wall − 1 day, wall + 1 day).
    const before = offsetAt(wall - DAY_MS)
    const after = offsetAt(wall + DAY_MS)
    const earlier = wall - before
    if (before === after) return earlier
    const later = wall - after
    const earlierValid = offsetAt(earlier) === before
    const laterValid = offsetAt(later) === after
    if (earlierValid && laterValid) return Math.min(earlier, later) // overlap: the earlier instant
    if (laterValid) return later
    return earlier // valid alone, or a gap: wall − offset-before lands after the change
  }

  return {
    id: formatter.resolvedOptions().timeZone,
    offsetAt,
    wallAt: (instant) => instant + offsetAt(instant),
    instantOf,
    nextTransition
  }
}

const zones = new Map<string, Zone | null>()
/** Names kept (known or not) before the cache starts over, so junk names from input cannot grow it. */
const MAX_ZONES = 1_000

/** The zone for an IANA name, or undefined when the platform does not know it. Cached for the isolate. */
export const zoneFor = (timeZone: string): Zone | undefined => {
  let zone = zones.get(timeZone)
  if (zone === undefined) {
    if (zones.size >= MAX_ZONES) zones.clear()
    try {
      zone = makeZone(makeFormatter(timeZone))
    } catch {
      zone = null // RangeError: unknown time zone
    }
    zones.set(timeZone, zone)
  }
  return zone ?? undefined
}

/** Forget every cached zone and offset (benchmarks measure a cold start with it). */
export const clearZoneCache = (): void => zones.clear()
