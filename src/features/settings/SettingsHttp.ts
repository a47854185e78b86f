import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { get } from "./methods/settings/get"
import { put } from "./methods/settings/put"

/** app.overlap.settings.*: one file per method under methods/settings/. */
export const SettingsHttpLive = HttpApiBuilder.group(OverlapApi, "settings", (handlers) =>
  handlers
    .handle("get", get)
    .handle("put", put))
