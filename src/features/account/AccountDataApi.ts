import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { AccountRequestExportInput, AccountRequestExportOutput } from "../../lexicon/schemas"
import { ApiError } from "../../services/ApiError"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"

/** Exports are switched off: EXPORT_LINK_SECRET is not set outside development. */
export class ExportUnavailableError extends ApiError<ExportUnavailableError>()("ExportUnavailable", 503) {}

/** A person's own data (docs/operations.md, "Account data"): the caller's export. Service-auth, owner only. */
export class AccountDataApi extends HttpApiGroup.make("accountData")
  .add(
    HttpApiEndpoint.post("requestExport", "/xrpc/app.overlap.account.requestExport")
      .setPayload(AccountRequestExportInput)
      .addSuccess(AccountRequestExportOutput)
      .addError(InvalidRequest)
      .addError(ExportUnavailableError)
  )
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
