import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { ConnectorRemoveInput, ConnectorSetCalendarsInput, ConnectorSetCalendarsOutput, ConnectorStartInput, ConnectorStartOutput, ListConnectorsOutput } from "../../lexicon/schemas"
import { ConnectorNotFound } from "../../services/ConnectorsRepo"
import { ConnectorLimitReached } from "../../services/UserConnectors"
import { RateLimited } from "../../services/RateLimiter"
import { RateLimit } from "../xrpc/RateLimit"
import { XrpcAuth } from "../xrpc/XrpcAuth"
import { InvalidRequest } from "../xrpc/XrpcErrors"
import { ApiError } from "../../services/ApiError"

/** CalDAV needs serverUrl, username and appPassword; the message names the missing ones. */
export class CredentialsRequiredError extends ApiError<CredentialsRequiredError>()("CredentialsRequired", 400) {}

/** The CalDAV server refused the credentials, or the URL cannot be used (not https, not CalDAV). */
export class InvalidCredentialsError extends ApiError<InvalidCredentialsError>()("InvalidCredentials", 400) {}

/** The calendar server could not be reached (or answered 5xx). */
export class ProviderUnreachableError extends ApiError<ProviderUnreachableError>()("ProviderUnreachable", 502) {}

/** This deployment does not offer the provider (no OAuth client configured for it). */
export class ProviderNotConfiguredError extends ApiError<ProviderNotConfiguredError>()("ProviderNotConfigured", 503) {}

/** Calendar connectors: connect (OAuth or CalDAV), disconnect, list. Never a credential in an answer. */
export class ConnectorsApi extends HttpApiGroup.make("connectors")
  .add(
    HttpApiEndpoint.post("start", "/xrpc/app.overlap.connector.start")
      .setPayload(ConnectorStartInput)
      .addSuccess(ConnectorStartOutput)
      .addError(InvalidRequest)
      .addError(CredentialsRequiredError)
      .addError(InvalidCredentialsError)
      .addError(ProviderUnreachableError)
      .addError(ConnectorLimitReached)
      .addError(RateLimited)
      .addError(ProviderNotConfiguredError)
  )
  .add(
    HttpApiEndpoint.post("remove", "/xrpc/app.overlap.connector.remove")
      .setPayload(ConnectorRemoveInput)
      .addSuccess(Schema.Struct({}))
      .addError(ConnectorNotFound)
      .addError(ProviderUnreachableError)
  )
  .add(
    HttpApiEndpoint.post("setCalendars", "/xrpc/app.overlap.connector.setCalendars")
      .setPayload(ConnectorSetCalendarsInput)
      .addSuccess(ConnectorSetCalendarsOutput)
      .addError(InvalidRequest)
  )
  .add(
    HttpApiEndpoint.get("listConnectors", "/xrpc/app.overlap.listConnectors")
      .addSuccess(ListConnectorsOutput)
  )
  // RateLimit before XrpcAuth: auth runs first, then the verified DID's bucket is charged (src/features/xrpc/RateLimit.ts).
  .middleware(RateLimit)
  .middleware(XrpcAuth) {}
