import type { Offer, Weekday } from "../slots"

/**
 * An offer as indexed (offers_index, from an `app.overlap.slotOffer` record) in the shape the slot engine
 * needs: a single window start–end, or — when `weekly` is set — weekly hours in `tz`, cut to
 * [validFrom ?? startAt, validUntil) (docs/records.md). Old single-window records carry no `weekly` and
 * mean what they always meant.
 */
export interface OfferShape {
  readonly startAt: number
  readonly endAt: number
  readonly tz: string
  readonly weekly?: ReadonlyArray<WeeklyRuleShape> | null | undefined
  readonly validFrom?: number | null | undefined
  readonly validUntil?: number | null | undefined
}

/** One weekly rule as the record states it: weekday names and local HH:MM times. */
export interface WeeklyRuleShape {
  readonly days: ReadonlyArray<string>
  readonly start: string
  readonly end: string
}

const WEEKDAY: Readonly<Record<string, typeof Weekday.Type>> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7
}

/** The slot engine's offers for one indexed offer: one window, or one weekly offer per rule. */
export const engineOffersOf = (offer: OfferShape): Array<Offer> => {
  if (offer.weekly === undefined || offer.weekly === null) {
    return [{ _tag: "window", start: offer.startAt, end: offer.endAt, timeZone: offer.tz }]
  }
  const validFrom = offer.validFrom ?? offer.startAt
  const validUntil = offer.validUntil ?? undefined
  return offer.weekly.map((rule): Offer => ({
    _tag: "weekly",
    timeZone: offer.tz,
    weekdays: rule.days.map((day) => WEEKDAY[day] ?? 0),
    start: rule.start,
    end: rule.end,
    validFrom,
    ...(validUntil !== undefined ? { validUntil } : {})
  }))
}
