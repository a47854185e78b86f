import { Either } from "effect"
import { type SlotInputInvalid, type SlotQuery, validateQuery } from "../slots"
import { MINUTE_MS } from "../slots/civil"
import type { MatchRequest } from "./matchRequest"

/**
 * What a search for slots needs before any calendar is asked: the slot-engine query (busy times still
 * empty) and the range to read free/busy over. The range reaches past the guest's window by the host's
 * larger buffer, so busy time just outside the window still keeps its buffer — availability and match
 * read the same range, so availability never offers a time that match would then refuse.
 * `range` is undefined when minimum notice leaves no time in the window.
 */
export interface SlotSearch {
  readonly query: SlotQuery
  readonly range: { readonly start: number; readonly end: number } | undefined
}

export const slotSearchFor = (
  request: Pick<MatchRequest, "offers" | "guest" | "host">,
  now: number,
  limit: number
): Either.Either<SlotSearch, SlotInputInvalid> => {
  const query: SlotQuery = {
    now,
    limit,
    offers: request.offers,
    hostBusy: [],
    guestBusy: [],
    holds: [],
    bookings: [],
    host: request.host,
    guest: request.guest
  }
  return Either.map(validateQuery(query), () => {
    const reach = Math.max(request.host.bufferBeforeMin, request.host.bufferAfterMin) * MINUTE_MS
    const start = Math.max(request.guest.earliest, now + request.host.minimumNoticeMin * MINUTE_MS) - reach
    const end = request.guest.latest + reach
    return { query, range: end - start <= 2 * reach ? undefined : { start, end } }
  })
}
