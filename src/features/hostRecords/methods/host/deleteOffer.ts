import { Effect } from "effect"
import type { HostDeleteOfferInput } from "../../../../lexicon/schemas"
import { PdsWriter } from "../../../../services/PdsWriter"
import { Caller } from "../../../xrpc/Caller"
import { requireWebSession, writeAnswer, writeFailure } from "../../ownRecords"

const COLLECTION = "app.overlap.slotOffer"

/** app.overlap.host.deleteOffer: delete one of the caller's slotOffers from their repo (a missing one is already gone). */
export const deleteOffer = ({ payload }: { readonly payload: HostDeleteOfferInput }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    const result = yield* (yield* PdsWriter).deleteRecord({ repo: caller.did, collection: COLLECTION, rkey: payload.rkey }).pipe(
      Effect.catchTag("PdsWriteFailed", writeFailure)
    )
    return writeAnswer(caller.did, COLLECTION, payload.rkey, result)
  })
