import type { DeclineRescheduleInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.declineReschedule: the host drops the guest's proposed time; the meeting keeps its time. */
export const declineReschedule = ({ payload }: { readonly payload: DeclineRescheduleInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) =>
    lifecycle.declineReschedule({ bookingId: payload.bookingId, callerDid, reason: payload.reason })))
