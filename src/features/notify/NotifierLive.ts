import { Clock, Effect, Layer } from "effect"
import { match } from "ts-pattern"
import { personLabel } from "../../domain/notify/personName"
import { isBookingEvent } from "../../domain/notify/plan"
import { deliveryKeyOf, type NotifyTask } from "../../domain/notify/task"
import { PeopleNames } from "../../services/PeopleNames"
import { DeliveriesRepo } from "../../services/DeliveriesRepo"
import { DeliveryBusy, DeliveryFailed, Notifier } from "../../services/Notifier"
import { DmChannel, EmailChannel, type SendFailed, WebhookChannel } from "../../services/NotifyChannels"

/** How long a claim is the claimant's: longer than the slowest channel (DM: three calls of 10 s at most). */
export const CLAIM_LEASE_MS = 60_000

/** Notifier over the D1 delivery ledger, the three channels and the people's names. */
export const NotifierLive: Layer.Layer<Notifier, never, DeliveriesRepo | EmailChannel | WebhookChannel | DmChannel | PeopleNames> =
  Layer.effect(
    Notifier,
    Effect.gen(function*() {
      const ledger = yield* DeliveriesRepo
      const email = yield* EmailChannel
      const webhook = yield* WebhookChannel
      const dm = yield* DmChannel
      const names = yield* PeopleNames

      /**
       * A booking event names both people as they are known now (display name and handle, PeopleNames) where the
       * producer did not: subjects, bodies, the invitation's CN= and SUMMARY. Unknown: the DID, as before.
       */
      const named = (task: NotifyTask): Effect.Effect<NotifyTask> => {
        const event = task.event
        if (!isBookingEvent(event) || (event.hostName !== undefined && event.guestName !== undefined)) {
          return Effect.succeed(task)
        }
        return Effect.map(
          Effect.all([names.nameOf(event.hostDid), names.nameOf(event.guestDid)], { concurrency: 2 }),
          ([host, guest]) => {
            const hostName = event.hostName ?? personLabel(host)
            const guestName = event.guestName ?? personLabel(guest)
            return {
              ...task,
              event: { ...event, ...(hostName !== undefined ? { hostName } : {}), ...(guestName !== undefined ? { guestName } : {}) }
            } as NotifyTask
          }
        )
      }

      const send = (unnamed: NotifyTask) =>
        Effect.flatMap(named(unnamed), (task) => match(task)
          .with({ channel: "email" }, (t) => email.send(t))
          .with({ channel: "webhook" }, (t) => webhook.send(t))
          .with({ channel: "dm" }, (t) => dm.send(t))
          .exhaustive())

      return Notifier.of({
        deliver: (task, attempt) =>
          Effect.gen(function*() {
            const key = deliveryKeyOf(task)
            const claim = yield* ledger.claim(key, CLAIM_LEASE_MS)
            if (claim._tag === "AlreadyDelivered" || claim._tag === "Dead") return "duplicate" as const
            if (claim._tag === "Busy") {
              const now = yield* Clock.currentTimeMillis
              return yield* new DeliveryBusy({
                channel: task.channel,
                target: task.target,
                retryAfterSeconds: Math.max(1, Math.ceil((claim.leaseUntil - now) / 1000))
              })
            }
            const result = yield* send(task).pipe(
              Effect.catchTag("SendFailed", (failure: SendFailed) => {
                const dead = !failure.retryable || attempt.final
                return (dead ? ledger.markDead(key, failure.reason) : ledger.markFailed(key, failure.reason)).pipe(
                  Effect.zipRight(Effect.fail(
                    new DeliveryFailed({
                      channel: task.channel,
                      target: task.target,
                      reason: failure.reason,
                      dead,
                      ...(failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {})
                    })
                  ))
                )
              })
            )
            if (result === "skipped") {
              yield* ledger.markDead(key, "skipped: nothing to deliver to any more")
              return "skipped" as const
            }
            yield* ledger.markDelivered(key)
            return "delivered" as const
          })
      })
    })
  )
