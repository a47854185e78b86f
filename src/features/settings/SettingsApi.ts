import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { SettingsGetOutput, SettingsGetParams, SettingsPutOutput, SettingsDefsSettings } from "../../lexicon/schemas"
import { ApiError } from "../../services/ApiError"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"

/** Settings are read by their owner only (403): another host's rules and time off are never answered. */
export class NotOwner extends ApiError<NotOwner>()("NotOwner", 403) {}

/** A host's private booking rules and date overrides (docs/host-rules.md): the host reads and replaces them. */
export class SettingsApi extends HttpApiGroup.make("settings")
  .add(
    HttpApiEndpoint.get("get", "/xrpc/app.overlap.settings.get")
      .setUrlParams(SettingsGetParams)
      .addSuccess(SettingsGetOutput)
      .addError(NotOwner)
  )
  .add(
    HttpApiEndpoint.post("put", "/xrpc/app.overlap.settings.put")
      .setPayload(SettingsDefsSettings)
      .addSuccess(SettingsPutOutput)
      .addError(InvalidRequest)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
