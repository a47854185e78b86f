import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { AccountDeleteAccountInput, AccountDeleteAccountOutput, AccountGetSessionOutput, AccountRequestExportInput, AccountRequestExportOutput } from "../../lexicon/schemas"
import { AccountDeletionUnavailable } from "../../services/AccountDeletion"
import { ApiError } from "../../services/ApiError"
import { SessionStoreUnavailable } from "../../services/WebSessions"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"

/** Exports are switched off: EXPORT_LINK_SECRET is not set outside development. */
export class ExportUnavailableError extends ApiError<ExportUnavailableError>()("ExportUnavailable", 503) {}

/**
 * A person's own data (docs/operations.md, "Account data"): who they are signed in as, their export and deletion.
 * Service-auth or session, owner only.
 */
export class AccountDataApi extends HttpApiGroup.make("accountData")
  .add(
    HttpApiEndpoint.get("getSession", "/xrpc/app.overlap.account.getSession")
      .addSuccess(AccountGetSessionOutput)
      .addError(SessionStoreUnavailable)
  )
  .add(
    HttpApiEndpoint.post("requestExport", "/xrpc/app.overlap.account.requestExport")
      .setPayload(AccountRequestExportInput)
      .addSuccess(AccountRequestExportOutput)
      .addError(InvalidRequest)
      .addError(ExportUnavailableError)
  )
  .add(
    HttpApiEndpoint.post("deleteAccount", "/xrpc/app.overlap.account.deleteAccount")
      .setPayload(AccountDeleteAccountInput)
      .addSuccess(AccountDeleteAccountOutput)
      .addError(InvalidRequest)
      .addError(AccountDeletionUnavailable)
  )
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
