import type { FinalizeInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.finalize: the host confirms a held booking. */
export const finalize = ({ payload }: { readonly payload: FinalizeInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) => lifecycle.finalize({ bookingId: payload.bookingId, callerDid })))
