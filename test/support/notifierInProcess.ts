import { Effect, Layer } from "effect"
import type { Notifier } from "../../src/services/Notifier"
import { DeliveriesRepoTest } from "../../src/adapters/memory/DeliveriesRepoTest"
import { NotifierLive } from "../../src/features/notify/NotifierLive"
import { makeNotifyChannelsTest } from "../../src/adapters/memory/NotifyChannelsTest"
import { peopleNamesTest } from "../../src/adapters/memory/PeopleNamesTest"
import type { PeopleNames } from "../../src/services/PeopleNames"

/**
 * The real Notifier logic over an in-memory ledger and in-memory channels: the same once-per-(id, channel,
 * target) promise as Live. `sent` lists what the channels were given; `failNext` scripts channel failures.
 */
export const makeNotifierInProcess = makeNotifierWithNames(peopleNamesTest())

/** The same, naming people through `names` (default: nobody is known, so messages show DIDs). */
export function makeNotifierWithNames(names: Layer.Layer<PeopleNames>) {
  return Effect.map(makeNotifyChannelsTest, (channels) => ({
    layer: NotifierLive.pipe(Layer.provide(Layer.mergeAll(channels.layer, DeliveriesRepoTest, names))) as Layer.Layer<Notifier>,
    sent: channels.sent,
    failNext: channels.failNext
  }))
}

/** A Notifier whose deliveries go nowhere (still deduplicated), for graphs that only need one to exist. */
export const NotifierInProcess: Layer.Layer<Notifier> = Layer.unwrapEffect(Effect.map(makeNotifierInProcess, (t) => t.layer))
