import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { deleteEmail } from "./methods/notify/deleteEmail"
import { getSettings } from "./methods/notify/getSettings"
import { putEmail } from "./methods/notify/putEmail"
import { putPreferences } from "./methods/notify/putPreferences"

/** app.overlap.notify.*: one file per method under methods/notify/. */
export const NotifyHttpLive = HttpApiBuilder.group(OverlapApi, "notify", (handlers) =>
  handlers
    .handle("getSettings", getSettings)
    .handle("putEmail", putEmail)
    .handle("deleteEmail", deleteEmail)
    .handle("putPreferences", putPreferences))
