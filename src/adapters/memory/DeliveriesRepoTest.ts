import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import type { DeliveryKey } from "../../domain/notify/task"
import { ClaimResult, DeliveriesRepo, Delivery } from "../../services/DeliveriesRepo"

const keyOf = (key: DeliveryKey) => JSON.stringify([key.notificationId, key.channel, key.target])

/** In-memory DeliveriesRepo with the semantics of DeliveriesRepoLive. A fresh, empty ledger per build. */
export const DeliveriesRepoTest: Layer.Layer<DeliveriesRepo> = Layer.effect(
  DeliveriesRepo,
  Effect.gen(function*() {
    const rows = yield* Ref.make(HashMap.empty<string, Delivery>())
    // Each operation is read-check-write; the semaphore makes it atomic, like the one statement in Live.
    const lock = yield* Effect.makeSemaphore(1)
    const current = (key: DeliveryKey) => Effect.map(Ref.get(rows), HashMap.get(keyOf(key)))
    const write = (row: Delivery) =>
      Ref.update(rows, HashMap.set(keyOf({ notificationId: row.notificationId, channel: row.channel, target: row.target }), row))
    const update = (key: DeliveryKey, when: (row: Delivery) => boolean, patch: (row: Delivery, now: number) => Partial<Delivery>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const row = yield* current(key)
        if (Option.isSome(row) && when(row.value)) {
          yield* write(new Delivery({ ...row.value, ...patch(row.value, now), updatedAt: now }))
        }
      }).pipe(lock.withPermits(1))

    return DeliveriesRepo.of({
      claim: (key, leaseMs) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const leaseUntil = now + leaseMs
          const row = yield* current(key)
          if (Option.isNone(row)) {
            yield* write(new Delivery({
              ...key,
              status: "sending",
              attempts: 1,
              lastError: null,
              leaseUntil,
              createdAt: now,
              updatedAt: now,
              deliveredAt: null
            }))
            return ClaimResult.Claimed({ attempts: 1, leaseUntil })
          }
          const r = row.value
          if (r.status === "failed" || (r.status === "sending" && r.leaseUntil !== null && r.leaseUntil <= now)) {
            yield* write(new Delivery({ ...r, status: "sending", attempts: r.attempts + 1, leaseUntil, updatedAt: now }))
            return ClaimResult.Claimed({ attempts: r.attempts + 1, leaseUntil })
          }
          return r.status === "delivered"
            ? ClaimResult.AlreadyDelivered()
            : r.status === "dead"
            ? ClaimResult.Dead()
            : ClaimResult.Busy({ leaseUntil: r.leaseUntil ?? now })
        }).pipe(lock.withPermits(1)),

      markDelivered: (key) =>
        update(key, () => true, (_, now) => ({ status: "delivered", deliveredAt: now, leaseUntil: null, lastError: null })),
      markFailed: (key, error) =>
        update(key, (r) => r.status === "sending", () => ({ status: "failed", lastError: error.slice(0, 2000), leaseUntil: null })),
      markDead: (key, error) =>
        update(key, (r) => r.status !== "delivered", () => ({ status: "dead", lastError: error.slice(0, 2000), leaseUntil: null })),
      get: current
    })
  })
)
