import { developmentOutboundGuard } from "../../src/adapters/memory/OutboundGuardTest"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { ConnectorNotice } from "../../src/domain/calendar/connectorNotice"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { ConnectorSettings, type ConnectorSettingsShape } from "../../src/features/connectors/ConnectorSettings"
import { UserConnectorsInProcess } from "../../src/features/connectors/UserConnectorsInProcess"
import { providerAdapters } from "../../src/entry/providerAdapters"
import { ProviderAdapters } from "../../src/services/ProviderAdapters"
import { ConnectorsRepoTest } from "../../src/adapters/memory/ConnectorsRepoTest"
import { makeOAuthClientLive } from "../../src/adapters/providers/OAuthClientLive"
import { PushChannelsTest } from "../../src/adapters/memory/PushChannelsTest"
import { TokenVaultTest } from "../../src/adapters/memory/TokenVaultTest"
import type { ConnectorCalendarEntry, ConnectorProvider } from "../../src/services/ConnectorsRepo"
import { ConnectorNotices } from "../../src/services/ConnectorNotices"
import { ConnectorsRepo } from "../../src/services/ConnectorsRepo"
import { TokenVault } from "../../src/services/TokenVault"
import { connectorEnv, memoryKv } from "./connectorEnv"
import { type FakeGoogle, GOOGLE_CLIENT } from "./fakeGoogle"
import { type FakeGraph, MICROSOFT_CLIENT } from "./fakeGraph"

/**
 * The connector engine's services for Node tests: the real provider adapters, OAuthClientLive, TokenVault
 * (test keys) and HTTP against the local provider fakes; repositories, push channels and notices in memory. `notices` collects
 * every notice sent.
 */
export const connectorHarness = (options: {
  readonly google?: FakeGoogle
  readonly graph?: FakeGraph
  readonly settings?: Partial<ConnectorSettingsShape>
}) => {
  const notices: Array<ConnectorNotice> = []
  const env = connectorEnv({
    SESSION_NONCES: memoryKv(),
    PUBLIC_URL: "https://overlap.test",
    ...(options.google === undefined ? {} : {
      GOOGLE_CLIENT_ID: GOOGLE_CLIENT.id,
      GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT.secret,
      GOOGLE_ACCOUNTS_BASE: options.google.url,
      GOOGLE_OAUTH_BASE: options.google.url
    }),
    ...(options.graph === undefined ? {} : {
      MICROSOFT_CLIENT_ID: MICROSOFT_CLIENT.id,
      MICROSOFT_CLIENT_SECRET: MICROSOFT_CLIENT.secret,
      MICROSOFT_LOGIN_BASE: `${options.graph.url}/common`
    })
  })
  const settings = ConnectorSettings.fromEnv(env, {
    googleApiBase: options.google?.url,
    graphApiBase: options.graph === undefined ? undefined : `${options.graph.url}/v1.0`,
    ...options.settings
  })
  const base = Layer.mergeAll(
    ConnectorsRepoTest,
    TokenVaultTest,
    makeOAuthClientLive().pipe(Layer.provide(Layer.merge(CloudflareEnv.layer(env), FetchHttpClient.layer))),
    FetchHttpClient.layer,
    Layer.succeed(ConnectorNotices, ConnectorNotices.of({ send: (notice) => Effect.sync(() => void notices.push(notice)) })),
    PushChannelsTest,
    Layer.succeed(ConnectorSettings, settings),
    Layer.succeed(ProviderAdapters, providerAdapters(settings, developmentOutboundGuard))
  )
  return { notices, env, settings, layer: Layer.provideMerge(UserConnectorsInProcess, base) }
}

/** Stores a connector as the connect flow would: the refresh token (or CalDAV secret) sealed, nothing else. */
export const seedConnector = (input: {
  readonly id: string
  readonly did: string
  readonly provider: ConnectorProvider
  readonly secret: string
  readonly accountRef: string | null
  readonly calendars: ReadonlyArray<ConnectorCalendarEntry>
  readonly tokenExpiresAt?: number | null
  readonly status?: "active" | "pending"
}) =>
  Effect.gen(function*() {
    const vault = yield* TokenVault
    const repo = yield* ConnectorsRepo
    const sealed = yield* vault.encrypt(input.secret, { did: input.did, provider: input.provider, connectorId: input.id })
    return yield* repo.create({
      id: input.id,
      did: input.did,
      provider: input.provider,
      status: input.status ?? "active",
      accountRef: input.accountRef,
      sealed,
      tokenExpiresAt: input.tokenExpiresAt ?? null,
      calendars: input.calendars
    })
  })
