import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { remove } from "./methods/connector/remove"
import { setCalendars } from "./methods/connector/setCalendars"
import { start } from "./methods/connector/start"
import { listConnectors } from "./methods/listConnectors"

/** The connector methods (one file each under methods/, laid out like the lexicons). */
export const ConnectorsHttpLive = HttpApiBuilder.group(OverlapApi, "connectors", (handlers) =>
  handlers
    .handle("start", start)
    .handle("remove", remove)
    .handle("setCalendars", setCalendars)
    .handle("listConnectors", listConnectors))
