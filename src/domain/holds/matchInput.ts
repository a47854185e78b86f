import type { HostRules, Offer } from "../slots"
import { DAY_MS } from "../slots/civil"
import { engineOffersOf, type OfferShape } from "../matching/offerShape"
import type { MatchRequest } from "./matchRequest"
import type { DefsConstraints } from "../../lexicon/schemas"

/**
 * From what the XRPC `match` call (or an indexed bookingRequest) carries to a `MatchRequest`: the guest's
 * lexicon constraints (ISO instants, weekday names), the host's offers as indexed, and the host's rules.
 * Pure; the slot engine validates the result (a bad zone or an inverted range is `SlotInputInvalid`).
 */

const WEEKDAY = { monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7 } as const

/** How far ahead a guest who gives no `latest` (and no offer bounds it) is matched. */
export const DEFAULT_MATCH_HORIZON_MS = 30 * DAY_MS

export interface MatchInput {
  readonly hostDid: string
  readonly guestDid: string
  readonly bookingId: string
  /** The offers to book against (offers_index rows: a window, or weekly hours, in their zone). */
  readonly offers: ReadonlyArray<OfferShape>
  readonly constraints: DefsConstraints
  readonly hostRules: HostRules
  readonly now: number
  readonly offerUri?: string
  readonly requestUri?: string
}

export const toMatchRequest = (input: MatchInput): MatchRequest => {
  const { constraints } = input
  const offers: Array<Offer> = input.offers.flatMap(engineOffersOf)
  // Open-ended weekly hours bound nothing: then the default horizon applies.
  const lastOfferEnd = offers.reduce(
    (max, o) => Math.max(max, o._tag === "window" ? o.end : o.validUntil ?? Infinity),
    -Infinity
  )
  const earliest = constraints.earliest !== undefined ? Date.parse(constraints.earliest) : input.now
  const latest = constraints.latest !== undefined
    ? Date.parse(constraints.latest)
    : Number.isFinite(lastOfferEnd) ? lastOfferEnd : earliest + DEFAULT_MATCH_HORIZON_MS
  return {
    hostDid: input.hostDid,
    guestDid: input.guestDid,
    bookingId: input.bookingId,
    offers,
    guest: {
      timeZone: constraints.tz,
      durationMin: constraints.durationMin,
      durationMax: constraints.durationMax,
      earliest,
      latest,
      ...(constraints.days !== undefined ? { weekdays: constraints.days.map((d) => WEEKDAY[d]) } : {})
    },
    host: input.hostRules,
    now: input.now,
    ...(input.offerUri !== undefined ? { offerUri: input.offerUri } : {}),
    ...(input.requestUri !== undefined ? { requestUri: input.requestUri } : {})
  }
}
