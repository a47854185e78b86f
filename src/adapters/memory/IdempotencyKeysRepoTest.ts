import { Effect, HashMap, Layer, Option, Ref } from "effect"
import { BeginOutcome, defaultPurgeLimit, IdempotencyKeysRepo } from "../../services/IdempotencyKeysRepo"

interface Entry {
  readonly requestHash: string
  readonly response: Option.Option<{ readonly status: number; readonly body: string }>
  readonly expiresAt: number
}

const scope = (callerDid: string, method: string, key: string) => JSON.stringify([callerDid, method, key])

/** In-memory `IdempotencyKeysRepo` with the semantics of `IdempotencyKeysRepoLive`. Fresh per build. */
export const IdempotencyKeysRepoTest: Layer.Layer<IdempotencyKeysRepo> = Layer.effect(
  IdempotencyKeysRepo,
  Effect.gen(function*() {
    const entries = yield* Ref.make(HashMap.empty<string, Entry>())
    return IdempotencyKeysRepo.of({
      begin: (callerDid, method, key, requestHash, now, ttlMs) =>
        Ref.modify(entries, (m): readonly [BeginOutcome, HashMap.HashMap<string, Entry>] => {
          const id = scope(callerDid, method, key)
          const held = Option.filter(HashMap.get(m, id), (e) => e.expiresAt > now)
          if (Option.isNone(held)) {
            return [
              BeginOutcome.Started(),
              HashMap.set(m, id, { requestHash, response: Option.none(), expiresAt: now + ttlMs })
            ] as const
          }
          const entry = held.value
          const outcome: BeginOutcome = entry.requestHash !== requestHash
            ? BeginOutcome.Mismatch()
            : Option.match(entry.response, {
              onNone: (): BeginOutcome => BeginOutcome.InFlight(),
              onSome: (response): BeginOutcome => BeginOutcome.Replay(response)
            })
          return [outcome, m] as const
        }),

      complete: (callerDid, method, key, requestHash, status, body) =>
        Ref.update(entries, (m) =>
          HashMap.modify(m, scope(callerDid, method, key), (e) =>
            Option.isNone(e.response) && e.requestHash === requestHash
              ? { ...e, response: Option.some({ status, body }) }
              : e)),

      answersOf: (callerDid, method, status, now) =>
        Effect.map(Ref.get(entries), (m) => {
          const bodies: Array<string> = []
          for (const [id, e] of m) {
            const [did, m2] = JSON.parse(id) as [string, string, string]
            if (did !== callerDid || m2 !== method || e.expiresAt <= now) continue
            if (Option.isSome(e.response) && e.response.value.status === status) bodies.push(e.response.value.body)
          }
          return bodies
        }),

      abandon: (callerDid, method, key) =>
        Ref.update(entries, (m) => {
          const id = scope(callerDid, method, key)
          return Option.match(HashMap.get(m, id), {
            onNone: () => m,
            onSome: (e) => Option.isNone(e.response) ? HashMap.remove(m, id) : m
          })
        }),

      purgeExpired: (now, limit = defaultPurgeLimit) =>
        Ref.modify(entries, (m) => {
          const expired = Array.from(HashMap.filter(m, (e) => e.expiresAt <= now)).slice(0, limit)
          return [expired.length, expired.reduce((acc, [id]) => HashMap.remove(acc, id), m)] as const
        })
    })
  })
)
