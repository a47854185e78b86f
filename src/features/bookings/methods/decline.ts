import type { DeclineInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.decline: the host declines a held booking (both holds released). */
export const decline = ({ payload }: { readonly payload: DeclineInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) => lifecycle.decline({ bookingId: payload.bookingId, callerDid, reason: payload.reason })))
