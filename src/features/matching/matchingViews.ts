import type { DefsHold } from "../../lexicon/schemas"
import type { Held } from "../../services/HoldStore"
import type { IndexedOffer } from "../../services/OffersRepo"
import { slotView } from "./zonedSlots"

export const iso = (ms: number): string => new Date(ms).toISOString()

/** A hold as the guest who made it sees it; with the zones, its slot also on the guest's and host's clocks. */
export const holdView = (hold: Held, zones?: { readonly guestTz: string; readonly hostTz: string }): DefsHold => ({
  bookingId: hold.bookingId,
  slot: zones === undefined ? { start: iso(hold.start), end: iso(hold.end) } : slotView(hold, zones.guestTz, zones.hostTz),
  expiresAt: iso(hold.expiresAt)
})

/** An indexed offer as getOffers answers it. */
export const offerView = (offer: IndexedOffer) => ({
  uri: offer.uri,
  cid: offer.cid,
  hostDid: offer.did,
  start: iso(offer.startAt),
  end: iso(offer.endAt),
  policy: offer.policy,
  tz: offer.tz,
  ...(offer.note !== null ? { note: offer.note } : {}),
  ...(offer.weekly !== null ? { weekly: offer.weekly } : {}),
  ...(offer.validFrom !== null ? { validFrom: iso(offer.validFrom) } : {}),
  ...(offer.validUntil !== null ? { validUntil: iso(offer.validUntil) } : {})
})
