import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { Layer } from "effect"
import type { ConnectorNotices } from "../../services/ConnectorNotices"
import type { ConnectorsRepo } from "../../services/ConnectorsRepo"
import type { OAuthClient } from "../../services/OAuthClient"
import type { PushChannels } from "../../services/PushChannels"
import type { TokenVault } from "../../services/TokenVault"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { ConnectorsRepoLive } from "../../adapters/d1/ConnectorsRepoLive"
import { D1Live } from "../../adapters/d1/D1Live"
import { ConnectorNoticesLive } from "../../adapters/queues/ConnectorNoticesLive"
import { makeOAuthClientLive } from "../../adapters/providers/OAuthClientLive"
import { PushChannelsLive } from "../../adapters/providers/PushChannelsLive"
import { TokenVaultLive } from "../../adapters/crypto/TokenVaultLive"
import { ConnectorSettings } from "./ConnectorSettings"

export type ConnectorEngineServices =
  | ConnectorsRepo
  | TokenVault
  | OAuthClient
  | HttpClient.HttpClient
  | ConnectorNotices
  | PushChannels
  | ConnectorSettings

/** What the connector engine needs, over a worker's bindings (UserConnectorDO builds it once per instance). */
export const connectorEngineLayer = (env: Env): Layer.Layer<ConnectorEngineServices> => {
  const root = CloudflareEnv.layer(env)
  const http = FetchHttpClient.layer
  return Layer.mergeAll(
    ConnectorsRepoLive.pipe(Layer.provide(D1Live), Layer.provide(root)),
    TokenVaultLive.pipe(Layer.provide(root)),
    makeOAuthClientLive().pipe(Layer.provide(Layer.merge(root, http))),
    http,
    ConnectorNoticesLive.pipe(Layer.provide(root)),
    PushChannelsLive.pipe(Layer.provide(root)),
    ConnectorSettings.Live.pipe(Layer.provide(root))
  )
}
