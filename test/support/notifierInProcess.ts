import { Effect, Layer } from "effect"
import type { Notifier } from "../../src/services/Notifier"
import { DeliveriesRepoTest } from "../../src/adapters/memory/DeliveriesRepoTest"
import { NotifierLive } from "../../src/features/notify/NotifierLive"
import { makeNotifyChannelsTest } from "../../src/adapters/memory/NotifyChannelsTest"

/**
 * The real Notifier logic over an in-memory ledger and in-memory channels: the same once-per-(id, channel,
 * target) promise as Live. `sent` lists what the channels were given; `failNext` scripts channel failures.
 */
export const makeNotifierInProcess = Effect.map(makeNotifyChannelsTest, (channels) => ({
  layer: NotifierLive.pipe(Layer.provide(Layer.merge(channels.layer, DeliveriesRepoTest))) as Layer.Layer<Notifier>,
  sent: channels.sent,
  failNext: channels.failNext
}))

/** A Notifier whose deliveries go nowhere (still deduplicated), for graphs that only need one to exist. */
export const NotifierInProcess: Layer.Layer<Notifier> = Layer.unwrapEffect(Effect.map(makeNotifierInProcess, (t) => t.layer))
