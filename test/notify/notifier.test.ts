import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { deliveryKeyOf, type NotifyTask } from "../../src/domain/notify/task"
import { DeliveriesRepoTest } from "../../src/adapters/memory/DeliveriesRepoTest"
import { makeNotifierInProcess } from "../support/notifierInProcess"
import { CLAIM_LEASE_MS } from "../../src/features/notify/NotifierLive"
import { DeliveriesRepo } from "../../src/services/DeliveriesRepo"
import { Notifier } from "../../src/services/Notifier"
import { SendFailed } from "../../src/services/NotifyChannels"
import { emailTask } from "./fixtures"

const webhookTask: NotifyTask = { ...emailTask(), channel: "webhook", target: "wh_1" } as NotifyTask
const boom = new SendFailed({ reason: "HTTP 503", retryable: true })

describe("Notifier (real logic, in-memory ledger and channels)", () => {
  it.effect("delivers once per (id, channel, target)", () =>
    Effect.gen(function*() {
      const t = yield* makeNotifierInProcess
      yield* Effect.gen(function*() {
        const notifier = yield* Notifier
        expect(yield* notifier.deliver(emailTask(), { final: false })).toBe("delivered")
        expect(yield* notifier.deliver(emailTask(), { final: false })).toBe("duplicate")
        // another target or channel of the same notification is its own delivery
        expect(yield* notifier.deliver(emailTask({ target: "other@example.com" }), { final: false })).toBe("delivered")
        expect(yield* notifier.deliver(webhookTask, { final: false })).toBe("delivered")
        expect((yield* t.sent).map((s) => `${s.channel}:${s.target}`)).toEqual([
          "email:guest@example.com",
          "email:other@example.com",
          "webhook:wh_1"
        ])
      }).pipe(Effect.provide(t.layer))
    }))

  it.effect("a retryable failure is retried; a final or permanent failure is dead and stays dead", () =>
    Effect.gen(function*() {
      const t = yield* makeNotifierInProcess
      yield* Effect.gen(function*() {
        const notifier = yield* Notifier
        yield* t.failNext("email", boom, 2)
        expect(yield* Effect.flip(notifier.deliver(emailTask(), { final: false }))).toMatchObject({ _tag: "DeliveryFailed", dead: false })
        expect(yield* Effect.flip(notifier.deliver(emailTask(), { final: true }))).toMatchObject({ _tag: "DeliveryFailed", dead: true })
        expect(yield* notifier.deliver(emailTask(), { final: false })).toBe("duplicate")
        yield* t.failNext("webhook", new SendFailed({ reason: "HTTP 400", retryable: false }))
        expect(yield* Effect.flip(notifier.deliver(webhookTask, { final: false }))).toMatchObject({ dead: true, reason: "HTTP 400" })
        expect(yield* t.sent).toEqual([])
      }).pipe(Effect.provide(t.layer))
    }))
})

describe("DeliveriesRepo claim (Test layer; the Live one runs the same checks in workerd)", () => {
  const key = deliveryKeyOf(emailTask())
  it.effect("a held claim is busy until its lease runs out, then can be taken over", () =>
    Effect.gen(function*() {
      const ledger = yield* DeliveriesRepo
      expect(yield* ledger.claim(key, CLAIM_LEASE_MS)).toMatchObject({ _tag: "Claimed", attempts: 1 })
      expect(yield* ledger.claim(key, CLAIM_LEASE_MS)).toMatchObject({ _tag: "Busy", leaseUntil: CLAIM_LEASE_MS })
      yield* TestClock.adjust(CLAIM_LEASE_MS)
      expect(yield* ledger.claim(key, CLAIM_LEASE_MS)).toMatchObject({ _tag: "Claimed", attempts: 2 })
      yield* ledger.markFailed(key, "HTTP 500")
      expect(Option.getOrThrow(yield* ledger.get(key))).toMatchObject({ status: "failed", lastError: "HTTP 500", leaseUntil: null })
      expect(yield* ledger.claim(key, CLAIM_LEASE_MS)).toMatchObject({ _tag: "Claimed", attempts: 3 })
      yield* ledger.markDelivered(key)
      yield* ledger.markDead(key, "too late") // never downgrades a delivered row
      expect(Option.getOrThrow(yield* ledger.get(key))).toMatchObject({ status: "delivered", attempts: 3, lastError: null })
      expect(yield* ledger.claim(key, CLAIM_LEASE_MS)).toMatchObject({ _tag: "AlreadyDelivered" })
    }).pipe(Effect.provide(DeliveriesRepoTest)))
})
