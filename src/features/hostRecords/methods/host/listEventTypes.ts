import { Effect } from "effect"
import type { HostListEventTypesParams } from "../../../../lexicon/schemas"
import { Caller } from "../../../xrpc/Caller"
import { listOwn, requireWebSession } from "../../ownRecords"

/** app.overlap.host.listEventTypes: the caller's event types as their repo holds them (not the index: a new one shows at once). */
export const listEventTypes = ({ urlParams }: { readonly urlParams: HostListEventTypesParams }) =>
  Effect.gen(function*() {
    yield* requireWebSession
    const caller = yield* Caller
    const { records, ...page } = yield* listOwn(caller.did, "app.overlap.eventType", { limit: urlParams.limit, cursor: urlParams.cursor })
    return { eventTypes: records, ...page }
  })
