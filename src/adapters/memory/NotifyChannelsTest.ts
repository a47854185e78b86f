import { Effect, Layer, Ref } from "effect"
import type { Channel, NotifyTask } from "../../domain/notify/task"
import { DmChannel, EmailChannel, type SendFailed, type SendResult, WebhookChannel } from "../../services/NotifyChannels"

/**
 * The three channels in memory: every send is recorded in `sent`; `failNext(channel, failure, times)` makes
 * the next `times` sends on that channel fail with `failure` (and records nothing for them). Fresh per call.
 */
export const makeNotifyChannelsTest = Effect.gen(function*() {
  const sent = yield* Ref.make<ReadonlyArray<NotifyTask>>([])
  const failures = yield* Ref.make<ReadonlyMap<Channel, ReadonlyArray<SendFailed>>>(new Map())

  const send = (task: NotifyTask): Effect.Effect<SendResult, SendFailed> =>
    Effect.flatMap(
      Ref.modify(failures, (m) => {
        const [next, ...rest] = m.get(task.channel) ?? []
        return [next, new Map(m).set(task.channel, rest)] as const
      }),
      (failure) => (failure ? Effect.fail(failure) : Effect.as(Ref.update(sent, (all) => [...all, task]), "sent" as const))
    )

  return {
    layer: Layer.mergeAll(
      Layer.succeed(EmailChannel, EmailChannel.of({ send })),
      Layer.succeed(WebhookChannel, WebhookChannel.of({ send })),
      Layer.succeed(DmChannel, DmChannel.of({ send }))
    ),
    sent: Ref.get(sent),
    failNext: (channel: Channel, failure: SendFailed, times = 1) =>
      Ref.update(failures, (m) => new Map(m).set(channel, [...(m.get(channel) ?? []), ...Array.from({ length: times }, () => failure)]))
  }
})
