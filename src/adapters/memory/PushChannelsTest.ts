import { Effect, Layer, Option, Ref } from "effect"
import { type PushChannel, PushChannels } from "../../services/PushChannels"

const key = (provider: string, channelId: string) => `${provider}\u0000${channelId}`

/** In-memory PushChannels with the Live layer's semantics. A fresh, empty store per build. */
export const PushChannelsTest: Layer.Layer<PushChannels> = Layer.effect(
  PushChannels,
  Effect.gen(function* () {
    const rows = yield* Ref.make(new Map<string, PushChannel>())
    return PushChannels.of({
      find: (provider, channelId) => Ref.get(rows).pipe(Effect.map((m) => Option.fromNullable(m.get(key(provider, channelId))))),
      put: (channel) => Ref.update(rows, (m) => new Map(m).set(key(channel.provider, channel.channelId), channel)),
      remove: (provider, channelId) =>
        Ref.update(rows, (m) => {
          const next = new Map(m)
          next.delete(key(provider, channelId))
          return next
        }),
      expiringBefore: (at, limit) =>
        Ref.get(rows).pipe(Effect.map((m) => [...m.values()].filter((c) => c.expiresAt <= at).sort((a, b) => a.expiresAt - b.expiresAt).slice(0, limit))),
      forConnector: (connectorId) => Ref.get(rows).pipe(Effect.map((m) => [...m.values()].filter((c) => c.connectorId === connectorId)))
    })
  })
)
