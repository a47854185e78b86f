import { Effect, Layer, Ref } from "effect"
import { type DeadLetter, DeadLetters } from "../../services/DeadLetters"

/** DeadLetters kept in memory; `letters` shows what was written. Fresh per call. */
export const makeDeadLettersTest = Effect.gen(function*() {
  const letters = yield* Ref.make<ReadonlyArray<DeadLetter>>([])
  return {
    layer: Layer.succeed(DeadLetters, DeadLetters.of({
      send: (letter) => Effect.as(Ref.update(letters, (all) => [...all, letter]), true)
    })),
    letters: Ref.get(letters)
  }
})
