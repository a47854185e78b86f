import { Effect, Layer, Ref } from "effect"
import { type BookingNoteSealedValue, BookingNoteSealedValues } from "../../services/BookingNoteSealedValues"

/**
 * In-memory `BookingNoteSealedValues` over notes a test seeds (`values`): the same walk order (booking id) and
 * compare-and-set replace and forget as the D1 table.
 */
export const makeBookingNoteSealedValuesTest = (values: ReadonlyArray<BookingNoteSealedValue> = []): Layer.Layer<BookingNoteSealedValues> =>
  Layer.effect(
    BookingNoteSealedValues,
    Effect.map(Ref.make(new Map(values.map((v) => [v.id, v] as const))), (store) => {
      const ifStill = (value: BookingNoteSealedValue, change: (map: Map<string, BookingNoteSealedValue>) => void) =>
        Ref.modify(store, (map) => {
          if (map.get(value.id)?.ciphertext !== value.ciphertext) return [false, map] as const
          const copy = new Map(map)
          change(copy)
          return [true, copy] as const
        })
      return BookingNoteSealedValues.of({
        countByKeyId: Effect.map(Ref.get(store), (map) => {
          const counts = new Map<string, number>()
          for (const v of map.values()) counts.set(v.keyId, (counts.get(v.keyId) ?? 0) + 1)
          return [...counts.entries()].map(([keyId, count]) => ({ keyId, status: "kept" as const, count }))
        }),
        listSealedNotUnder: (keyId, limit, afterId) =>
          Effect.map(Ref.get(store), (map) =>
            [...map.values()].filter((v) => v.keyId !== keyId && v.id > (afterId ?? "")).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit)),
        replaceSealed: (value, sealed) => ifStill(value, (map) => map.set(value.id, { ...value, keyId: sealed.keyId, ciphertext: sealed.ciphertext })),
        forget: (value) => ifStill(value, (map) => map.delete(value.id))
      })
    })
  )

export const BookingNoteSealedValuesTest = makeBookingNoteSealedValuesTest()
