import { Effect, Layer, Ref } from "effect"
import { type DeadLetterSealedValue, DeadLetterSealedValues } from "../../services/DeadLetterSealedValues"

/**
 * In-memory `DeadLetterSealedValues` over records a test seeds (`values`): the same walk order (id) and
 * compare-and-set replace as the D1 table.
 */
export const makeDeadLetterSealedValuesTest = (values: ReadonlyArray<DeadLetterSealedValue> = []): Layer.Layer<DeadLetterSealedValues> =>
  Layer.effect(
    DeadLetterSealedValues,
    Effect.map(Ref.make(new Map(values.map((v) => [v.id, v] as const))), (store) =>
      DeadLetterSealedValues.of({
        countByKeyId: Effect.map(Ref.get(store), (map) => {
          const counts = new Map<string, number>()
          for (const v of map.values()) counts.set(v.keyId, (counts.get(v.keyId) ?? 0) + 1)
          return [...counts.entries()].map(([keyId, count]) => ({ keyId, status: "recorded" as const, count }))
        }),
        listSealedNotUnder: (keyId, limit, afterId) =>
          Effect.map(Ref.get(store), (map) =>
            [...map.values()].filter((v) => v.keyId !== keyId && v.id > (afterId ?? "")).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit)),
        replaceSealed: (value, body, error) =>
          Ref.modify(store, (map) => {
            const stored = map.get(value.id)
            if (stored === undefined || stored.bodyCiphertext !== value.bodyCiphertext || stored.errorCiphertext !== value.errorCiphertext) {
              return [false, map] as const
            }
            const copy = new Map(map)
            copy.set(value.id, { ...stored, keyId: body.keyId, bodyCiphertext: body.ciphertext, errorCiphertext: error?.ciphertext ?? null })
            return [true, copy] as const
          })
      }))
  )

export const DeadLetterSealedValuesTest = makeDeadLetterSealedValuesTest()
