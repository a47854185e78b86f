import type { CancelInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.cancel: the guest cancels a hold, or either participant a confirmed booking. */
export const cancel = ({ payload }: { readonly payload: CancelInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) => lifecycle.cancel({ bookingId: payload.bookingId, callerDid, reason: payload.reason })))
