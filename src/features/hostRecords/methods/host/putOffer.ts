import { Effect } from "effect"
import type { HostPutOfferInput } from "../../../../lexicon/schemas"
import { PdsWriter } from "../../../../services/PdsWriter"
import { Caller } from "../../../xrpc/Caller"
import { derivedTid, prepareRecord, requireWebSession, writeAnswer, writeFailure } from "../../ownRecords"

const COLLECTION = "app.overlap.slotOffer"

/** app.overlap.host.putOffer: create or replace one of the caller's slotOffers in their repo (key given, or derived from the record). */
export const putOffer = ({ payload }: { readonly payload: HostPutOfferInput }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    const record = yield* prepareRecord(COLLECTION, "offer", payload.offer)
    const rkey = payload.rkey ?? (yield* derivedTid(caller.did, record))
    const result = yield* (yield* PdsWriter).putRecord({
      repo: caller.did,
      collection: COLLECTION,
      rkey,
      record,
      ...(payload.swapRecord !== undefined ? { swapRecord: payload.swapRecord } : {})
    }).pipe(Effect.catchTag("PdsWriteFailed", writeFailure))
    return writeAnswer(caller.did, COLLECTION, rkey, result)
  })
