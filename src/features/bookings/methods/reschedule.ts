import type { RescheduleInput } from "../../../lexicon/schemas"
import { idempotent } from "../../xrpc/Idempotency"
import { lifecycleAnswer } from "../lifecycleAnswer"

/** app.overlap.reschedule: moves a booking to a new time (a slot, or constraints to match again). */
export const reschedule = ({ payload }: { readonly payload: RescheduleInput }) =>
  idempotent(lifecycleAnswer((lifecycle, callerDid) =>
    lifecycle.reschedule({
      bookingId: payload.bookingId,
      callerDid,
      reason: payload.reason,
      constraints: payload.constraints,
      slot: payload.slot
    })))
