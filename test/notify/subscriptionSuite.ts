import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { makeOutboundGuardTest } from "../../src/adapters/memory/OutboundGuardTest"
import { TokenVault } from "../../src/services/TokenVault"
import { createSubscription, deleteSubscription, listSubscriptions } from "../../src/services/WebhookSubscriptions"
import { MAX_SUBSCRIPTIONS_PER_DID, WebhookSubscriptionsRepo } from "../../src/services/WebhookSubscriptionsRepo"
import { GUEST, HOST } from "./fixtures"

/** The subscription API over a repository and vault: run against the Test layers (Node) and the Live ones (workerd, D1). */
export const subscriptionSuite = (name: string, makeStores: () => Layer.Layer<WebhookSubscriptionsRepo | TokenVault>) =>
  describe(name, () => {
    // DNS as the outbound guard sees it: hooks.example.com is public, inside.example.com points into a private network
    const dns = { "hooks.example.com": ["93.184.215.14"], "inside.example.com": ["93.184.215.14", "10.0.0.5"] }
    const makeLayer = () => Layer.merge(makeStores(), makeOutboundGuardTest(dns))

    it.effect("a URL whose name resolves to a private address is refused, and nothing is stored", () =>
      Effect.gen(function*() {
        for (const url of ["https://inside.example.com/hook", "https://nowhere.example.com/hook", "https://169.254.169.254/x"]) {
          const refused = yield* Effect.flip(createSubscription(HOST, url))
          expect(refused._tag, url).toBe("InvalidWebhookUrl")
          expect(refused.message, url).toMatch(/^url /)
        }
        expect(yield* listSubscriptions(HOST)).toEqual([])
      }).pipe(Effect.provide(makeLayer())))

    it.effect("create returns the secret once; only ciphertext is stored; list and delete are the owner's", () =>
      Effect.gen(function*() {
        const created = yield* createSubscription(HOST, "https://hooks.example.com/overlap")
        expect(created.secret).toMatch(/^whsec_/)
        expect(created.subscription).toMatchObject({ id: created.id, url: "https://hooks.example.com/overlap", disabled: false })
        expect(JSON.stringify(created.subscription)).not.toContain(created.secret)

        const stored = Option.getOrThrow(yield* (yield* WebhookSubscriptionsRepo).get(created.id))
        expect(stored.secretCiphertext).not.toContain(created.secret.slice(6))
        expect(stored.keyId).toBe(yield* (yield* TokenVault).currentKeyId)

        const listed = yield* listSubscriptions(HOST)
        expect(listed).toEqual([created.subscription])
        expect(JSON.stringify(listed)).not.toContain(created.secret.slice(6))
        expect(yield* listSubscriptions(GUEST)).toEqual([])

        expect((yield* Effect.flip(deleteSubscription(GUEST, created.id)))._tag).toBe("SubscriptionNotFound")
        yield* deleteSubscription(HOST, created.id)
        expect(yield* listSubscriptions(HOST)).toEqual([])
        expect((yield* Effect.flip(deleteSubscription(HOST, created.id)))._tag).toBe("SubscriptionNotFound")
      }).pipe(Effect.provide(makeLayer())))

    it.effect("refuses a bad URL and more than the maximum per DID", () =>
      Effect.gen(function*() {
        const bad = yield* Effect.flip(createSubscription(HOST, "http://hooks.example.com/x"))
        expect(bad).toMatchObject({ _tag: "InvalidWebhookUrl", message: "url must use https" })
        for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_DID; i++) yield* createSubscription(HOST, `https://hooks.example.com/${i}`)
        const tooMany = yield* Effect.flip(createSubscription(HOST, "https://hooks.example.com/one-more"))
        expect(tooMany._tag).toBe("TooManySubscriptions")
        yield* createSubscription(GUEST, "https://hooks.example.com/guest") // another DID is unaffected
      }).pipe(Effect.provide(makeLayer())))

    it.effect("disable stops a subscription once and shows why", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookSubscriptionsRepo
        const { id } = yield* createSubscription(HOST, "https://hooks.example.com/gone")
        yield* repo.disable(id, "the endpoint answered 410 Gone")
        yield* repo.disable(id, "a second reason is not recorded")
        expect(yield* listSubscriptions(HOST)).toEqual([
          expect.objectContaining({ id, disabled: true, disabledReason: "the endpoint answered 410 Gone" })
        ])
        yield* repo.disable("wh_unknown", "nothing happens")
      }).pipe(Effect.provide(makeLayer())))
  })
