import type { ConfirmRescheduleInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.confirmReschedule: the host takes the guest's proposed time (moved as the host's own reschedule). */
export const confirmReschedule = ({ payload }: { readonly payload: ConfirmRescheduleInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) => lifecycle.confirmReschedule({ bookingId: payload.bookingId, callerDid })))
