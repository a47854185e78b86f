import { Effect, HashMap, Layer, Option, Ref } from "effect"
import { FirehoseCursorsRepo } from "../../services/FirehoseCursorsRepo"

/** In-memory `FirehoseCursorsRepo` with the semantics of `FirehoseCursorsRepoLive`. Fresh per build. */
export const FirehoseCursorsRepoTest: Layer.Layer<FirehoseCursorsRepo> = Layer.effect(
  FirehoseCursorsRepo,
  Effect.gen(function*() {
    const cursors = yield* Ref.make(HashMap.empty<string, number>())
    return FirehoseCursorsRepo.of({
      get: (source) => Effect.map(Ref.get(cursors), HashMap.get(source)),
      set: (source, cursor) =>
        Ref.modify(cursors, (m) => {
          const newer = Option.match(HashMap.get(m, source), { onNone: () => true, onSome: (c) => cursor > c })
          return [newer, newer ? HashMap.set(m, source, cursor) : m] as const
        }),
      reset: (source, cursor) => Ref.update(cursors, HashMap.set(source, cursor))
    })
  })
)
