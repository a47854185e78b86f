import { Effect } from "effect"
import type { HostPutEventTypeInput } from "../../../../lexicon/schemas"
import { PdsWriter } from "../../../../services/PdsWriter"
import { Caller } from "../../../xrpc/Caller"
import { prepareRecord, requireWebSession, writeAnswer, writeFailure } from "../../ownRecords"

const COLLECTION = "app.overlap.eventType"

/** app.overlap.host.putEventType: create or replace one of the caller's event types in their repo; the record key is its slug. */
export const putEventType = ({ payload }: { readonly payload: HostPutEventTypeInput }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    const record = yield* prepareRecord(COLLECTION, "eventType", payload.eventType)
    const rkey = String(record.slug) // checked by prepareRecord: a slug is a valid record key
    const result = yield* (yield* PdsWriter).putRecord({
      repo: caller.did,
      collection: COLLECTION,
      rkey,
      record,
      ...(payload.swapRecord !== undefined ? { swapRecord: payload.swapRecord } : {})
    }).pipe(Effect.catchTag("PdsWriteFailed", writeFailure))
    return writeAnswer(caller.did, COLLECTION, rkey, result)
  })
