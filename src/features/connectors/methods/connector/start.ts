import { Effect } from "effect"
import type { ConnectorStartInput } from "../../../../lexicon/schemas"
import { ConnectorsRepo } from "../../../../services/ConnectorsRepo"
import { OAuthClient, type OAuthProvider } from "../../../../services/OAuthClient"
import { RateLimited } from "../../../../services/RateLimiter"
import { ConnectorLimitReached, MAX_CONNECTORS_PER_USER, UserConnectors } from "../../../../services/UserConnectors"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import {
  CredentialsRequiredError,
  InvalidCredentialsError,
  ProviderNotConfiguredError,
  ProviderUnreachableError
} from "../../ConnectorsApi"
import { toConnectorView } from "../../connectorView"

const blank = (value: string | undefined) => value === undefined || value.trim() === ""

const atLimit = (did: string) =>
  Effect.flatMap(ConnectorsRepo, (repo) => repo.listForDid(did)).pipe(
    Effect.orDie,
    Effect.map((rows) => rows.length >= MAX_CONNECTORS_PER_USER)
  )

/** Google / Microsoft: the provider's authorization URL (PKCE); the connector appears when the callback returns. */
const startOAuth = (payload: ConnectorStartInput & { readonly provider: OAuthProvider }, did: string) =>
  Effect.gen(function*() {
    const extra = (["serverUrl", "username", "appPassword"] as const).filter((field) => payload[field] !== undefined)
    if (extra.length > 0) {
      return yield* new InvalidRequest({ message: `${extra.join(", ")}: only for provider caldav (${payload.provider} connects through its own sign-in)` })
    }
    if (yield* atLimit(did)) {
      return yield* new ConnectorLimitReached({ limit: MAX_CONNECTORS_PER_USER })
    }
    const oauth = yield* OAuthClient
    const started = yield* oauth.start(payload.provider, did).pipe(
      Effect.catchTags({
        OAuthNotConfigured: () => Effect.fail(new ProviderNotConfiguredError({ message: `provider: ${payload.provider} calendars are not offered on this service` })),
        OAuthStateStoreError: (error) => Effect.die(error)
      })
    )
    return { authorizationUrl: started.authorizationUrl }
  })

/** CalDAV: the server is discovered and the credentials tried now; the connector is answered at once. */
const connectCaldav = (payload: ConnectorStartInput, did: string) =>
  Effect.gen(function*() {
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
    const connectors = yield* UserConnectors
    const connector = yield* connectors.connectCaldav(did, {
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
        ProviderUnavailable: (error) => Effect.die(error)
      })
    )
    return { connector: toConnectorView(connector) }
  })

/** app.overlap.connector.start: connect a calendar (OAuth sign-in, or CalDAV credentials). */
export const start = ({ payload }: { readonly payload: ConnectorStartInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const { provider } = payload
    if (provider === "caldav") return yield* connectCaldav(payload, caller.did)
    return yield* startOAuth({ ...payload, provider }, caller.did)
  })
