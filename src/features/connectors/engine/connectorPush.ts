import { Clock, Effect, Option } from "effect"
import type { ProviderError } from "../../../services/CalendarProvider"
import type { Connector } from "../../../services/ConnectorsRepo"
import type { OpenedChannel, PushRequest } from "../../../services/ProviderAdapters"
import type { PushChannel, PushChannels } from "../../../services/PushChannels"
import { pushChannelToken } from "../../push/pushSecret"
import { pushUrls } from "../../push/routes"
import type { ConnectorSettingsShape } from "../ConnectorSettings"
import { internal } from "./connectorErrors"
import type { OpenConnectors } from "./openConnectors"

/**
 * The push channels of a user's connectors: the provider's adapter opens, renews and stops them; their rows
 * (PushChannels, D1) and their tokens are kept here. No webhooks URL or no channel secret = no channels.
 */
export const makeConnectorPush = (deps: {
  readonly did: string
  readonly channels: PushChannels["Type"]
  readonly settings: ConnectorSettingsShape
  readonly connectors: OpenConnectors
}) => {
  const { channels, connectors, did, settings } = deps

  const pushConfig = () =>
    settings.webhooksPublicUrl !== undefined && settings.pushChannelSecret !== undefined
      ? Option.some({ addresses: pushUrls(settings.webhooksPublicUrl), secret: settings.pushChannelSecret })
      : Option.none()

  const requestFor = (config: { readonly addresses: PushRequest["addresses"]; readonly secret: string }, provider: PushChannel["provider"], row: Connector) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const token = yield* Effect.promise(() => pushChannelToken(config.secret, provider, row.id))
      return { addresses: config.addresses, token, now }
    })

  const putChannel = (channel: PushChannel) => channels.put(channel).pipe(Effect.mapError(internal))
  const removeChannel = (channel: PushChannel) => channels.remove(channel.provider, channel.channelId).pipe(Effect.mapError(internal))

  /** Opens the channels a connector should have and lacks; their ids. */
  const ensure = (row: Connector): Effect.Effect<ReadonlyArray<string>, ProviderError> =>
    Effect.gen(function*() {
      const config = pushConfig()
      if (Option.isNone(config) || row.status !== "active") return []
      const existing = yield* channels.forConnector(row.id).pipe(Effect.mapError(internal))
      const push = (yield* connectors.open(row)).push
      if (push === undefined) return []
      const request = yield* requestFor(config.value, push.provider, row)
      const opened: Array<string> = []
      for (const resource of push.resources) {
        if (existing.some((c) => c.calendarId === resource)) continue
        const channel: OpenedChannel = yield* push.open(resource, request)
        yield* putChannel({
          provider: push.provider,
          channelId: channel.channelId,
          connectorId: row.id,
          did,
          calendarId: resource,
          resourceId: channel.resourceId,
          expiresAt: channel.expiresAt,
          createdAt: request.now
        })
        opened.push(channel.channelId)
      }
      return opened
    })

  /** Renews one channel (a replaced channel's row goes); one the provider lost is opened again. The id to keep. */
  const renew = (row: Connector, channel: PushChannel): Effect.Effect<string, ProviderError> =>
    Effect.gen(function*() {
      const config = pushConfig()
      if (Option.isNone(config)) return channel.channelId
      const push = (yield* connectors.open(row)).push
      if (push === undefined || push.provider !== channel.provider) return channel.channelId
      const request = yield* requestFor(config.value, push.provider, row)
      const renewed = yield* push.renew(channel, request)
      if (Option.isSome(renewed)) {
        const next = renewed.value
        const replaced = next.channelId !== channel.channelId
        yield* putChannel({
          ...channel,
          channelId: next.channelId,
          resourceId: next.resourceId,
          expiresAt: next.expiresAt,
          createdAt: replaced ? request.now : channel.createdAt
        })
        if (replaced) yield* removeChannel(channel)
        return next.channelId
      }
      yield* removeChannel(channel)
      const opened = yield* ensure(row)
      return opened[0] ?? channel.channelId
    })

  /** Deletes the connector's channel rows, stopping each at the provider first when `atProvider`. */
  const stop = (row: Connector, atProvider: boolean) =>
    Effect.gen(function*() {
      const list = yield* channels.forConnector(row.id).pipe(Effect.mapError(internal))
      for (const channel of list) {
        if (atProvider) {
          yield* Effect.gen(function*() {
            const push = (yield* connectors.open(row)).push
            if (push !== undefined && push.provider === channel.provider) yield* push.stop(channel)
          }).pipe(
            Effect.timeout("20 seconds"),
            // The row goes regardless: a channel we no longer know is refused by the webhooks worker (403).
            Effect.catchAll(() => Effect.logWarning("connectors: could not stop a push channel at the provider", { connectorId: row.id }))
          )
        }
        yield* removeChannel(channel)
      }
    })

  return { ensure, renew, stop }
}

export type ConnectorPush = ReturnType<typeof makeConnectorPush>
