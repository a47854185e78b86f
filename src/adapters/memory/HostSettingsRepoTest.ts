import { Clock, Effect, HashMap, Layer, Ref } from "effect"
import { HostSettingsRepo, StoredHostSettings } from "../../services/HostSettingsRepo"
import { validateInput } from "../../services/RepositoryError"

/** In-memory `HostSettingsRepo` with the semantics of `HostSettingsRepoLive`. A fresh, empty store per build. */
export const HostSettingsRepoTest: Layer.Layer<HostSettingsRepo> = Layer.effect(
  HostSettingsRepo,
  Effect.gen(function*() {
    const store = yield* Ref.make(HashMap.empty<string, StoredHostSettings>())
    return HostSettingsRepo.of({
      get: (hostDid) => Effect.map(Ref.get(store), HashMap.get(hostDid)),
      put: (hostDid, settings) =>
        Effect.flatMap(Clock.currentTimeMillis, (updatedAt) =>
          validateInput(StoredHostSettings, "HostSettingsRepo.put")({ hostDid, settings, updatedAt }).pipe(
            // a copy, as D1 stores JSON text: a caller's later change to its object does not reach the store
            Effect.map((stored) => structuredClone(stored)),
            Effect.tap((stored) => Ref.update(store, HashMap.set(hostDid, stored)))
          ))
    })
  })
)
