import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { cancel } from "./methods/cancel"
import { confirmReschedule } from "./methods/confirmReschedule"
import { declineReschedule } from "./methods/declineReschedule"
import { decline } from "./methods/decline"
import { finalize } from "./methods/finalize"
import { reschedule } from "./methods/reschedule"

/** The booking lifecycle methods (one file each under methods/), over BookingLifecycle. */
export const LifecycleHttpLive = HttpApiBuilder.group(OverlapApi, "lifecycle", (handlers) =>
  handlers
    .handle("finalize", finalize)
    .handle("decline", decline)
    .handle("cancel", cancel)
    .handle("reschedule", reschedule)
    .handle("confirmReschedule", confirmReschedule)
    .handle("declineReschedule", declineReschedule))
