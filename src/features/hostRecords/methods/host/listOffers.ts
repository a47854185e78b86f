import { Effect } from "effect"
import type { HostListOffersParams } from "../../../../lexicon/schemas"
import { Caller } from "../../../xrpc/Caller"
import { listOwn, requireWebSession } from "../../ownRecords"

/** app.overlap.host.listOffers: the caller's slotOffers as their repo holds them (not the index: a new one shows at once). */
export const listOffers = ({ urlParams }: { readonly urlParams: HostListOffersParams }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    const { records, ...page } = yield* listOwn(caller.did, "app.overlap.slotOffer", { limit: urlParams.limit, cursor: urlParams.cursor })
    return { offers: records, ...page }
  })
