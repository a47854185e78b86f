import { FetchHttpClient, HttpClient } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { CalendarProvider } from "../services/CalendarProvider"
import type { ConnectorsRepo } from "../services/ConnectorsRepo"
import type { UserConnectorEngineServices } from "../features/connectors/UserConnectorEngine"
import { CalendarProviderLive } from "../adapters/providers/CalendarProviderLive"
import { CalendarTaskQueueLive } from "../adapters/queues/CalendarTaskQueueLive"
import { ConnectorNoticesLive } from "../adapters/queues/ConnectorNoticesLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"
import { ConnectorsRepoLive } from "../adapters/d1/ConnectorsRepoLive"
import { D1Live } from "../adapters/d1/D1Live"
import { makeOAuthClientLive } from "../adapters/providers/OAuthClientLive"
import { PushChannelsLive } from "../adapters/providers/PushChannelsLive"
import { TokenVaultLive } from "../adapters/crypto/TokenVaultLive"
import { ConnectorSettings } from "../features/connectors/ConnectorSettings"
import { UserConnectorsLive } from "../adapters/objects/UserConnectorsLive"
import { OutboundGuardLive } from "../adapters/http/OutboundGuardLive"
import { ProviderAdaptersLive } from "./providerAdapters"
import { AnalyticsLive } from "../adapters/analytics/AnalyticsLive"
import { Analytics } from "../services/Analytics"
import { meteredClient, providerOfUrl } from "../features/connectors/meteredClient"

/**
 * The AppView's connector services over its bindings: the connector API (OAuthClient, TokenVault), the
 * user objects (UserConnectors over USER_CONNECTOR), the production CalendarProvider (connectors or the
 * local calendar), and what the refresh-oauth cron and the calendar-changed consumer use.
 */
export const connectorServices = (env: Env, repositories: Layer.Layer<ConnectorsRepo>) => {
  const root = CloudflareEnv.layer(env)
  const userConnectors = UserConnectorsLive.pipe(Layer.provide(root))
  return Layer.mergeAll(
    makeOAuthClientLive().pipe(Layer.provide(Layer.merge(root, FetchHttpClient.layer))),
    TokenVaultLive.pipe(Layer.provide(root)),
    userConnectors,
    ConnectorSettings.Live.pipe(Layer.provide(root)),
    PushChannelsLive.pipe(Layer.provide(root)),
    ConnectorNoticesLive.pipe(Layer.provide(root)),
    CalendarTaskQueueLive.pipe(Layer.provide(root)),
    CalendarProviderLive.pipe(Layer.provide(Layer.mergeAll(D1Live.pipe(Layer.provide(root)), repositories, userConnectors)))
  )
}

/**
 * The production CalendarProvider for a Durable Object that builds its own graph over its own D1 layer:
 * HostMatchDO's `liveCalendars` (today LocalCalendarLive only) becomes `calendarProviderFor(env, d1)`.
 */
export const calendarProviderFor = (env: Env, d1: Layer.Layer<SqlClient.SqlClient>): Layer.Layer<CalendarProvider> =>
  CalendarProviderLive.pipe(Layer.provide(Layer.mergeAll(
    d1,
    ConnectorsRepoLive.pipe(Layer.provide(d1)),
    UserConnectorsLive.pipe(Layer.provide(CloudflareEnv.layer(env)))
  )))

/** What one user's connector engine needs, over a worker's bindings (UserConnectorDO builds it once per instance). */
export const connectorEngineLayer = (env: Env): Layer.Layer<UserConnectorEngineServices> => {
  const root = CloudflareEnv.layer(env)
  const http = FetchHttpClient.layer
  const settings = ConnectorSettings.Live.pipe(Layer.provide(root))
  // the client the provider adapters send with: each exchange's latency per provider (provider_latency)
  const meteredHttp = Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      return meteredClient(client, providerOfUrl(yield* ConnectorSettings), yield* Analytics)
    })
  ).pipe(Layer.provide(Layer.mergeAll(http, settings, AnalyticsLive.pipe(Layer.provide(root)))))
  return Layer.mergeAll(
    ConnectorsRepoLive.pipe(Layer.provide(D1Live), Layer.provide(root)),
    TokenVaultLive.pipe(Layer.provide(root)),
    makeOAuthClientLive().pipe(Layer.provide(Layer.merge(root, http))),
    meteredHttp,
    ConnectorNoticesLive.pipe(Layer.provide(root)),
    PushChannelsLive.pipe(Layer.provide(root)),
    settings,
    ProviderAdaptersLive.pipe(Layer.provide(Layer.merge(settings, OutboundGuardLive.pipe(Layer.provide(Layer.merge(root, http))))))
  )
}
