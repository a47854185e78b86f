import type { MatchRequest } from "../../src/domain/holds/matchRequest"

export const MIN = 60_000
export const DAY = 1_440 * MIN

/** 00:00 UTC of the first Monday at least a week after `from`: always in the future, on a weekday grid. */
export const mondayAfter = (from: number): number => {
  const start = Math.ceil((from + 7 * DAY) / DAY) * DAY
  const weekday = new Date(start).getUTCDay() // 0 = Sunday
  return start + ((8 - weekday) % 7) * DAY
}

export const hostDidOf = (name: string) => `did:plc:host${name}`
export const guestDidOf = (i: number) => `did:plc:guest${String(i).padStart(4, "0")}`

/**
 * A host offering Mon–Fri 08:00–18:00 in UTC, 15-minute grid, 5-minute buffers; a guest wanting 30 minutes
 * between `earliest` and `latest`.
 */
export const matchRequest = (options: {
  readonly hostDid: string
  readonly guestDid: string
  readonly bookingId: string
  readonly earliest: number
  readonly latest: number
  readonly now?: number
  readonly offerStart?: string
  readonly offerEnd?: string
  readonly bufferMin?: number
  readonly holdTtlMs?: number
  readonly budgetMs?: number
}): MatchRequest => ({
  hostDid: options.hostDid,
  guestDid: options.guestDid,
  bookingId: options.bookingId,
  offers: [{
    _tag: "weekly",
    timeZone: "UTC",
    weekdays: [1, 2, 3, 4, 5],
    start: options.offerStart ?? "08:00",
    end: options.offerEnd ?? "18:00"
  }],
  guest: { timeZone: "Europe/Berlin", durationMin: 30, durationMax: 30, earliest: options.earliest, latest: options.latest },
  host: {
    timeZone: "UTC",
    bufferBeforeMin: options.bufferMin ?? 5,
    bufferAfterMin: options.bufferMin ?? 5,
    minimumNoticeMin: 0,
    slotStepMin: 15
  },
  ...(options.now !== undefined ? { now: options.now } : {}),
  ...(options.holdTtlMs !== undefined ? { holdTtlMs: options.holdTtlMs } : {}),
  ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {})
})
