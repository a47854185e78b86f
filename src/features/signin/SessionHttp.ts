import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { getSettings } from "./methods/session/getSettings"
import { putSettings } from "./methods/session/putSettings"

/** app.overlap.session.*: one file per method under methods/session/. */
export const SessionHttpLive = HttpApiBuilder.group(OverlapApi, "session", (handlers) =>
  handlers
    .handle("getSettings", getSettings)
    .handle("putSettings", putSettings))
