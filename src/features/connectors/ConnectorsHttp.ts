import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { ConnectorsRepo } from "../../services/ConnectorsRepo"
import { OAuthClient } from "../../services/OAuthClient"
import { MAX_CONNECTORS_PER_USER, UserConnectors } from "../../services/UserConnectors"
import { Caller } from "../xrpc/Caller"
import { RateLimited } from "../xrpc/RateLimit"
import { InvalidRequest } from "../xrpc/XrpcErrors"
import { OverlapApi } from "../OverlapApi"
import {
  ConnectorLimitReachedError,
  ConnectorNotFoundError,
  CredentialsRequiredError,
  InvalidCredentialsError,
  ProviderNotConfiguredError,
  ProviderUnreachableError
} from "./ConnectorsApi"
import { toConnectorView } from "./connectorView"

/**
 * The connector methods. OAuthClient and UserConnectors are looked up per request (the AppView graph provides
 * them; a handler built without them answers 503 rather than failing to build), ConnectorsRepo comes with the
 * repositories.
 */

const notConfigured = () => new ProviderNotConfiguredError({ message: "calendar connectors are not available on this service" })

const required = <A>(service: Effect.Effect<Option.Option<A>>) =>
  Effect.flatMap(service, Option.match({ onNone: () => Effect.fail(notConfigured()), onSome: Effect.succeed }))

const blank = (value: string | undefined) => value === undefined || value.trim() === ""

export const ConnectorsHttpLive = HttpApiBuilder.group(OverlapApi, "connectors", (handlers) =>
  Effect.gen(function*() {
    const repo = yield* ConnectorsRepo

    const atLimit = (did: string) =>
      repo.listForDid(did).pipe(Effect.orDie, Effect.map((rows) => rows.length >= MAX_CONNECTORS_PER_USER))

    return handlers
      .handle("start", ({ payload }) =>
        Effect.gen(function*() {
          const caller = yield* Caller
          if (payload.provider !== "caldav") {
            const extra = (["serverUrl", "username", "appPassword"] as const).filter((field) => payload[field] !== undefined)
            if (extra.length > 0) {
              return yield* new InvalidRequest({ message: `${extra.join(", ")}: only for provider caldav (${payload.provider} connects through its own sign-in)` })
            }
            if (yield* atLimit(caller.did)) {
              return yield* new ConnectorLimitReachedError({ message: `at most ${MAX_CONNECTORS_PER_USER} calendar connectors per account` })
            }
            const oauth = yield* required(Effect.serviceOption(OAuthClient))
            const started = yield* oauth.start(payload.provider, caller.did).pipe(
              Effect.catchTags({
                OAuthNotConfigured: () => Effect.fail(new ProviderNotConfiguredError({ message: `provider: ${payload.provider} calendars are not offered on this service` })),
                OAuthStateStoreError: (error) => Effect.die(error)
              })
            )
            return { authorizationUrl: started.authorizationUrl }
          }

          const missing = (["serverUrl", "username", "appPassword"] as const).filter((field) => blank(payload[field]))
          if (missing.length > 0) {
            return yield* new CredentialsRequiredError({ message: `${missing.join(", ")}: required when provider is caldav` })
          }
          // the lexicon's uri format lets through what WHATWG URL refuses (e.g. "https://[::1")
          const serverUrl = URL.canParse(payload.serverUrl!) ? new URL(payload.serverUrl!) : undefined
          if (serverUrl === undefined) return yield* new InvalidRequest({ message: "serverUrl: not a URL this service can open" })
          if (serverUrl.username !== "" || serverUrl.password !== "") {
            return yield* new InvalidCredentialsError({ message: "serverUrl: must not carry a user name or password (use username and appPassword)" })
          }
          const connectors = yield* required(Effect.serviceOption(UserConnectors))
          const connector = yield* connectors.connectCaldav(caller.did, {
            serverUrl: serverUrl.href,
            username: payload.username!.trim(),
            password: payload.appPassword!
          }).pipe(
            Effect.catchTags({
              CaldavConnectFailed: (error) => {
                switch (error.reason) {
                  case "credentials":
                    return Effect.fail(new InvalidCredentialsError({ message: `username, appPassword: ${error.message}` }))
                  case "insecure-url":
                  case "not-caldav":
                    return Effect.fail(new InvalidCredentialsError({ message: error.message }))
                  case "rate-limited":
                    return Effect.fail(new RateLimited({ message: error.message }))
                  case "unreachable":
                    return Effect.fail(new ProviderUnreachableError({ message: `serverUrl: ${error.message}` }))
                }
              },
              ConnectorLimitReached: (error) => Effect.fail(new ConnectorLimitReachedError({ message: `at most ${error.limit} calendar connectors per account` })),
              ProviderUnavailable: (error) => Effect.die(error)
            })
          )
          return { connector: toConnectorView(connector) }
        }))
      .handle("remove", ({ payload }) =>
        Effect.gen(function*() {
          const caller = yield* Caller
          const notFound = new ConnectorNotFoundError({ message: `connectorId: no connector ${payload.connectorId}` })
          const row = yield* repo.get(payload.connectorId).pipe(Effect.orDie)
          if (Option.isNone(row) || row.value.did !== caller.did || row.value.status === "removed") return yield* notFound
          const connectors = yield* required(Effect.serviceOption(UserConnectors))
          yield* connectors.remove(caller.did, payload.connectorId).pipe(
            Effect.catchTags({
              ConnectorNotFound: () => Effect.fail(notFound),
              ProviderUnavailable: () => Effect.fail(new ProviderUnreachableError({ message: "the connector could not be removed right now; try again" }))
            })
          )
          return {}
        }))
      .handle("listConnectors", () =>
        Effect.gen(function*() {
          const caller = yield* Caller
          const rows = yield* repo.listForDid(caller.did).pipe(Effect.orDie)
          return { connectors: rows.slice(0, MAX_CONNECTORS_PER_USER).map(toConnectorView) }
        }))
  }))
