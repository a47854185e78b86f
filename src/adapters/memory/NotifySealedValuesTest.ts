import { Effect, Layer, Ref } from "effect"
import { type NotifySealedValue, NotifySealedValues } from "../../services/NotifySealedValues"

/**
 * In-memory `NotifySealedValues` over a list of sealed values a test seeds (`values`): the same walk order (id),
 * compare-and-set replace and forget as the D1 table.
 */
export const makeNotifySealedValuesTest = (values: ReadonlyArray<NotifySealedValue> = []): Layer.Layer<NotifySealedValues> =>
  Layer.effect(
    NotifySealedValues,
    Effect.map(Ref.make(new Map(values.map((v) => [v.id, v] as const))), (store) => {
      const swap = (value: NotifySealedValue, next: NotifySealedValue | undefined) =>
        Ref.modify(store, (map) => {
          if (map.get(value.id)?.ciphertext !== value.ciphertext) return [false, map] as const
          const copy = new Map(map)
          if (next === undefined) copy.delete(value.id)
          else copy.set(value.id, next)
          return [true, copy] as const
        })
      return NotifySealedValues.of({
        countByKeyId: Effect.map(Ref.get(store), (map) => {
          const counts = new Map<string, { keyId: string; status: NotifySealedValue["what"]; count: number }>()
          for (const v of map.values()) {
            const key = `${v.keyId}\u0000${v.what}`
            const found = counts.get(key) ?? { keyId: v.keyId, status: v.what, count: 0 }
            counts.set(key, { ...found, count: found.count + 1 })
          }
          return [...counts.values()]
        }),
        listSealedNotUnder: (keyId, limit, afterId) =>
          Effect.map(Ref.get(store), (map) =>
            [...map.values()].filter((v) => v.keyId !== keyId && v.id > (afterId ?? "")).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit)),
        replaceSealed: (value, sealed) => swap(value, { ...value, ciphertext: sealed.ciphertext, keyId: sealed.keyId }),
        forget: (value) => swap(value, undefined)
      })
    })
  )

export const NotifySealedValuesTest = makeNotifySealedValuesTest()
