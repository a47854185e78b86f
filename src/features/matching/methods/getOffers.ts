import { Effect, Option } from "effect"
import type { GetOffersParams } from "../../../lexicon/schemas"
import { type IndexedOffer, OffersRepo } from "../../../services/OffersRepo"
import { encodeCursor } from "../../../services/Page"
import { visibleTo } from "../bookableOffers"
import { offerView } from "../matchingViews"
import { eventTypeFor } from "../eventTypes"
import { currentGuest, resolveHost } from "../offerAccess"

/** How many index pages getOffers reads to fill one page of offers the caller may see. */
const OFFER_PAGES_SCANNED = 5

/** app.overlap.getOffers: a host's offers the caller may see (an anonymous caller: tier `anyone` only), by cursor. */
export const getOffers = ({ urlParams }: { readonly urlParams: GetOffersParams }) =>
  Effect.gen(function*() {
    const offers = yield* OffersRepo
    const guest = yield* currentGuest
    const hostDid = yield* resolveHost(urlParams.host)
    // an event type shows only the offers it draws on (issue 15 item 2)
    const eventType = yield* eventTypeFor(hostDid, urlParams.eventType)
    const drawsOn = eventType?.offers
    const seen = yield* visibleTo(hostDid, guest)
    const visible = (offer: IndexedOffer) => seen(offer) && (drawsOn === undefined || drawsOn.includes(offer.uri))
    const from = urlParams.from !== undefined ? Date.parse(urlParams.from) : undefined
    const to = urlParams.until !== undefined ? Date.parse(urlParams.until) : undefined
    const shown: Array<IndexedOffer> = []
    let cursor = urlParams.cursor
    // Offers the caller may not see are skipped, not counted: pages fill from the next index page.
    for (let scanned = 0; scanned < OFFER_PAGES_SCANNED; scanned++) {
      const page = yield* offers.listByHost({ did: hostDid, from, to, limit: urlParams.limit, cursor }).pipe(
        Effect.catchTag("RepositoryError", Effect.die)
      )
      for (const [i, offer] of page.items.entries()) {
        if (!visible(offer)) continue
        shown.push(offer)
        if (shown.length === urlParams.limit) {
          const more = i < page.items.length - 1 || Option.isSome(page.cursor)
          return {
            offers: shown.map(offerView),
            ...(more ? { cursor: encodeCursor([offer.startAt, offer.uri]) } : {})
          }
        }
      }
      if (Option.isNone(page.cursor)) return { offers: shown.map(offerView) }
      cursor = page.cursor.value
    }
    return { offers: shown.map(offerView), ...(cursor !== undefined ? { cursor } : {}) }
  })
