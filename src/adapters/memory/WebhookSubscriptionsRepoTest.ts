import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { clampLimit } from "../../services/Page"
import { validateInput } from "../../services/RepositoryError"
import {
  MAX_SUBSCRIPTIONS_PER_DID,
  NewWebhookSubscription,
  SubscriptionNotFound,
  TooManySubscriptions,
  WebhookSubscription,
  WebhookSubscriptionsRepo
} from "../../services/WebhookSubscriptionsRepo"

const oldestFirst = (a: WebhookSubscription, b: WebhookSubscription) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** In-memory WebhookSubscriptionsRepo with the semantics of the Live layer. Fresh per build. */
export const WebhookSubscriptionsRepoTest: Layer.Layer<WebhookSubscriptionsRepo> = Layer.effect(
  WebhookSubscriptionsRepo,
  Effect.gen(function*() {
    const subscriptions = yield* Ref.make(HashMap.empty<string, WebhookSubscription>())
    const lock = yield* Effect.makeSemaphore(1)
    const ofDid = (did: string) =>
      Effect.map(Ref.get(subscriptions), (m) => Array.from(HashMap.values(m)).filter((s) => s.did === did).sort(oldestFirst))

    return WebhookSubscriptionsRepo.of({
      create: (input) =>
        Effect.gen(function*() {
          const s = yield* validateInput(NewWebhookSubscription, "WebhookSubscriptionsRepo.create")(input)
          const now = yield* Clock.currentTimeMillis
          if ((yield* ofDid(s.did)).length >= MAX_SUBSCRIPTIONS_PER_DID) {
            return yield* new TooManySubscriptions({ did: s.did, limit: MAX_SUBSCRIPTIONS_PER_DID })
          }
          const row = new WebhookSubscription({ ...s, createdAt: now, disabledAt: null, disabledReason: null })
          yield* Ref.update(subscriptions, HashMap.set(row.id, row))
          return row
        }).pipe(lock.withPermits(1)),

      get: (id) => Effect.map(Ref.get(subscriptions), HashMap.get(id)),

      listForDid: ofDid,

      delete: (did, id) =>
        Effect.gen(function*() {
          const found = Option.filter(HashMap.get(yield* Ref.get(subscriptions), id), (s) => s.did === did)
          if (Option.isNone(found)) return yield* new SubscriptionNotFound({ id })
          yield* Ref.update(subscriptions, HashMap.remove(id))
        }).pipe(lock.withPermits(1)),

      disable: (id, reason) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          yield* Ref.update(subscriptions, (m) =>
            Option.match(HashMap.get(m, id), {
              onNone: () => m,
              onSome: (s) =>
                s.disabledAt !== null
                  ? m
                  : HashMap.set(m, id, new WebhookSubscription({ ...s, disabledAt: now, disabledReason: reason.slice(0, 500) }))
            }))
        }).pipe(lock.withPermits(1)),

      listSealedNotUnder: (keyId, limit, afterId) =>
        Effect.map(Ref.get(subscriptions), (m) =>
          Array.from(HashMap.values(m))
            .filter((s) => s.keyId !== keyId && s.id > (afterId ?? ""))
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .slice(0, clampLimit(limit))),

      replaceSealed: (id, from, sealed) =>
        Ref.modify(subscriptions, (m) =>
          Option.match(HashMap.get(m, id), {
            onNone: () => [false, m] as const,
            onSome: (s) =>
              s.secretCiphertext !== from
                ? [false, m] as const
                : [true, HashMap.set(m, id, new WebhookSubscription({ ...s, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId }))] as const
          })).pipe(lock.withPermits(1)),

      countByKeyId: Effect.map(Ref.get(subscriptions), (m) => {
        const counts = new Map<string, { keyId: string; status: "enabled" | "disabled"; count: number }>()
        for (const s of HashMap.values(m)) {
          const status = s.disabledAt === null ? "enabled" as const : "disabled" as const
          const key = `${s.keyId}\u0000${status}`
          const entry = counts.get(key) ?? { keyId: s.keyId, status, count: 0 }
          counts.set(key, { ...entry, count: entry.count + 1 })
        }
        return [...counts.values()].sort((a, b) => a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0)
      })
    })
  })
)
