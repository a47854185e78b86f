import { Effect, HashMap, Layer, Option, Ref } from "effect"
import { IcsStore } from "../../services/IcsStore"
import { prepareInvitation, readStored } from "../r2/IcsStoreLive"

/** In-memory IcsStore with the semantics of IcsStoreLive (same validation and rendering). Fresh per build. */
export const IcsStoreTest: Layer.Layer<IcsStore> = Layer.effect(
  IcsStore,
  Effect.gen(function*() {
    const objects = yield* Ref.make(HashMap.empty<string, string>())
    return IcsStore.of({
      put: (input) =>
        Effect.tap(prepareInvitation(input), (stored) => Ref.update(objects, HashMap.set(stored.key, stored.ics))),
      get: (key) =>
        Effect.map(Ref.get(objects), (m) => Option.flatMap(HashMap.get(m, key), (ics) => readStored(key, ics)))
    })
  })
)
