import { Effect, Layer } from "effect"
import type { Notifier } from "../../services/Notifier"
import { DeliveriesRepoTest } from "./DeliveriesRepoTest"
import { NotifierLive } from "../../features/notify/NotifierLive"
import { makeNotifyChannelsTest } from "./NotifyChannelsTest"

/**
 * The real Notifier logic over an in-memory ledger and in-memory channels: the same once-per-(id, channel,
 * target) promise as Live. `sent` lists what the channels were given; `failNext` scripts channel failures.
 */
export const makeNotifierTest = Effect.map(makeNotifyChannelsTest, (channels) => ({
  layer: NotifierLive.pipe(Layer.provide(Layer.merge(channels.layer, DeliveriesRepoTest))) as Layer.Layer<Notifier>,
  sent: channels.sent,
  failNext: channels.failNext
}))

/** A Notifier whose deliveries go nowhere (still deduplicated), for graphs that only need one to exist. */
export const NotifierTest: Layer.Layer<Notifier> = Layer.unwrapEffect(Effect.map(makeNotifierTest, (t) => t.layer))
