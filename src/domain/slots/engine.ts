import { Either } from "effect"
import { blockedTime, firstEndingAfter } from "./blockedTime"
import { civilDay, isoWeekday, MINUTE_MS } from "./civil"
import { fullHostDays, fullHostWeeks, isoWeekOf } from "./dailyLimit"
import { durationLadder, fittingLength } from "./durations"
import type { SlotInputInvalid } from "./errors"
import { gridCeil } from "./grid"
import { bookableRange, overrideBlocks } from "./hostCalendar"
import { offerWindows } from "./offerWindows"
import type { Slot, SlotQuery } from "./query"
import { rankSlots } from "./ranking"
import { validateQuery, type ValidQuery } from "./validate"

const EVERY_WEEKDAY = 0b1111_1110

/**
 * Candidate meeting slots for a host and a guest: at most `query.limit`, earliest first (see ranking.ts),
 * each `{ start, end }` in UTC epoch ms. Pure and deterministic; `Left` names the first invalid field.
 *
 * A candidate [s, e) is offered when all of these hold:
 * - it lies inside one offer window (windows of one zone that overlap or touch count as one), and s is on
 *   that window's step grid (grid.ts);
 * - s ≥ now + minimumNotice, s ≥ guest.earliest, e ≤ guest.latest, and [s, e) within the host's horizon
 *   (hostCalendar.ts: rolling days or fixed dates, host-local);
 * - e − s is from the duration ladder (durations.ts), within the guest's [durationMin, durationMax];
 * - s falls on one of the guest's weekdays on the guest's wall clock;
 * - the host-local day of s has fewer than maxBookingsPerDay holds + bookings, and its host-local ISO week
 *   fewer than maxBookingsPerWeek (dailyLimit.ts);
 * - [s, e) meets no time a date override takes away (outside its hours on its days, hostCalendar.ts);
 * - [s, e) meets no guest busy interval;
 * - [s − bufferBefore, e + bufferAfter) meets no host busy interval (the new meeting's buffers);
 * - [s, e) keeps max(bufferBefore, bufferAfter) away from every hold and booking: the new meeting's
 *   buffers and the existing meeting's own buffers both hold.
 *
 * All of these become one sorted, merged list of blocked time, swept once per window in step with the
 * grid: O((windows + busy) · log busy + grid points visited), independent of candidates × busy.
 */
export const findSlots = (query: SlotQuery): Either.Either<Array<Slot>, SlotInputInvalid> =>
  Either.map(validateQuery(query), sweep)

const sweep = (valid: ValidQuery): Array<Slot> => {
  const { guestWeekdayMask, guestZone, hostZone, query } = valid
  const { guest, host, limit } = query
  const stepMs = host.slotStepMin * MINUTE_MS
  const ladder = durationLadder(guest.durationMin, guest.durationMax, host.slotStepMin, host.preferredDurationMin)
  const shortest = ladder.lengths[0]!
  const horizon = bookableRange(hostZone, host, query.now)
  const from = Math.max(guest.earliest, query.now + host.minimumNoticeMin * MINUTE_MS, horizon.from)
  const until = Math.min(guest.latest, horizon.until)
  if (until - from < shortest || host.maxBookingsPerDay === 0 || host.maxBookingsPerWeek === 0) return []

  const fullDays = host.maxBookingsPerDay === undefined
    ? undefined
    : fullHostDays(hostZone, [query.holds, query.bookings], host.maxBookingsPerDay)
  const fullWeeks = host.maxBookingsPerWeek === undefined
    ? undefined
    : fullHostWeeks(hostZone, [query.holds, query.bookings], host.maxBookingsPerWeek)
  const dayAllowed = (start: number): boolean =>
    (guestWeekdayMask === EVERY_WEEKDAY ||
      (guestWeekdayMask & (1 << isoWeekday(civilDay(guestZone.wallAt(start))))) !== 0) &&
    (fullDays === undefined || fullDays.size === 0 || !fullDays.has(civilDay(hostZone.wallAt(start)))) &&
    (fullWeeks === undefined || fullWeeks.size === 0 || !fullWeeks.has(isoWeekOf(civilDay(hostZone.wallAt(start)))))

  const before = host.bufferBeforeMin * MINUTE_MS
  const after = host.bufferAfterMin * MINUTE_MS
  const between = Math.max(before, after)
  const blocked = blockedTime(
    [
      { intervals: query.guestBusy, reachBefore: 0, reachAfter: 0 },
      // [s − before, e + after) misses busy [b, c)  ⇔  [s, e) misses [b − after, c + before).
      { intervals: query.hostBusy, reachBefore: after, reachAfter: before },
      { intervals: query.holds, reachBefore: between, reachAfter: between },
      { intervals: query.bookings, reachBefore: between, reachAfter: between },
      // Time off blocks like busy time, with no buffers of its own.
      { intervals: overrideBlocks(hostZone, host.dateOverrides ?? [], from, until), reachBefore: 0, reachAfter: 0 }
    ],
    from,
    until
  )
  const { count, ends, starts } = blocked

  let candidates: Array<Slot> = []
  // Once `limit` candidates are known, nothing starting after the last of them can make the cut.
  let cutoff = Infinity
  for (const window of offerWindows(valid.offers, from, until)) {
    const lo = Math.max(window.start, from)
    if (lo > cutoff) break // windows come sorted by start
    const hi = Math.min(window.end, until)
    let found = 0
    let s = gridCeil(window, stepMs, lo)
    let b = firstEndingAfter(blocked, s)
    while (s + shortest <= hi && s <= cutoff) {
      while (b < count && ends[b]! <= s) b++
      if (b < count && starts[b]! <= s) {
        s = gridCeil(window, stepMs, ends[b]!) // inside blocked time: jump past it
        continue
      }
      const freeUntil = b < count && starts[b]! < hi ? starts[b]! : hi
      const length = fittingLength(ladder, freeUntil - s)
      if (length === 0) {
        if (freeUntil === hi) break
        s = gridCeil(window, stepMs, ends[b]!) // the gap before the next block is too short
        continue
      }
      if (dayAllowed(s)) {
        candidates.push({ start: s, end: s + length })
        if (++found === limit) break // later ones in this window rank after these
      }
      s = gridCeil(window, stepMs, s + 1)
    }
    if (candidates.length >= limit) {
      candidates = rankSlots(candidates, ladder.preferred, limit)
      if (candidates.length === limit) cutoff = candidates[limit - 1]!.start
    }
  }
  return rankSlots(candidates, ladder.preferred, limit)
}
