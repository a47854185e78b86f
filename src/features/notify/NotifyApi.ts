import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import {
  NotifyDeleteEmailOutput,
  NotifyGetSettingsOutput,
  NotifyPutEmailInput,
  NotifyPutEmailOutput,
  NotifyPutPreferencesInput,
  NotifyPutPreferencesOutput
} from "../../lexicon/schemas"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"

/** app.overlap.notify.*: the caller's own address and preferences (docs/notifications.md). Owner only. */
export class NotifyApi extends HttpApiGroup.make("notify")
  .add(HttpApiEndpoint.get("getSettings", "/xrpc/app.overlap.notify.getSettings").addSuccess(NotifyGetSettingsOutput))
  .add(
    HttpApiEndpoint.post("putEmail", "/xrpc/app.overlap.notify.putEmail")
      .setPayload(NotifyPutEmailInput)
      .addSuccess(NotifyPutEmailOutput)
      .addError(InvalidRequest)
  )
  .add(HttpApiEndpoint.post("deleteEmail", "/xrpc/app.overlap.notify.deleteEmail").addSuccess(NotifyDeleteEmailOutput))
  .add(
    HttpApiEndpoint.post("putPreferences", "/xrpc/app.overlap.notify.putPreferences")
      .setPayload(NotifyPutPreferencesInput)
      .addSuccess(NotifyPutPreferencesOutput)
      .addError(InvalidRequest)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
