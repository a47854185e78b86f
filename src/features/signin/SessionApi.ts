import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { SessionGetSettingsOutput, SessionPutSettingsInput, SessionPutSettingsOutput } from "../../lexicon/schemas"
import { SessionStoreUnavailable } from "../../services/WebSessions"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"

/** app.overlap.session.*: the caller's own settings (publishing meetings) and their atproto session's state. */
export class SessionApi extends HttpApiGroup.make("session")
  .add(
    HttpApiEndpoint.get("getSettings", "/xrpc/app.overlap.session.getSettings")
      .addSuccess(SessionGetSettingsOutput)
      .addError(SessionStoreUnavailable)
  )
  .add(
    HttpApiEndpoint.post("putSettings", "/xrpc/app.overlap.session.putSettings")
      .setPayload(SessionPutSettingsInput)
      .addSuccess(SessionPutSettingsOutput)
      .addError(SessionStoreUnavailable)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
