import { Effect } from "effect"
import { isSlug } from "../../../../domain/eventTypes"
import type { HostDeleteEventTypeInput } from "../../../../lexicon/schemas"
import { PdsWriter } from "../../../../services/PdsWriter"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import { requireWebSession, writeAnswer, writeFailure } from "../../ownRecords"

const COLLECTION = "app.overlap.eventType"

/** app.overlap.host.deleteEventType: delete one of the caller's event types (by slug) from their repo. */
export const deleteEventType = ({ payload }: { readonly payload: HostDeleteEventTypeInput }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    if (!isSlug(payload.slug)) return yield* new InvalidRequest({ message: "slug: must be lowercase letters and digits joined by single hyphens" })
    const result = yield* (yield* PdsWriter).deleteRecord({ repo: caller.did, collection: COLLECTION, rkey: payload.slug }).pipe(
      Effect.catchTag("PdsWriteFailed", writeFailure)
    )
    return writeAnswer(caller.did, COLLECTION, payload.slug, result)
  })
