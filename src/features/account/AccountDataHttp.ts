import { HttpApiBuilder } from "@effect/platform"
import { OverlapApi } from "../OverlapApi"
import { deleteAccount } from "./methods/account/deleteAccount"
import { getSession } from "./methods/account/getSession"
import { requestExport } from "./methods/account/requestExport"

/** The account data methods (one file each under methods/, laid out like the lexicons). */
export const AccountDataHttpLive = HttpApiBuilder.group(OverlapApi, "accountData", (handlers) =>
  handlers.handle("getSession", getSession).handle("requestExport", requestExport).handle("deleteAccount", deleteAccount))
