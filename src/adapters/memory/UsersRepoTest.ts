import { Clock, Effect, HashMap, Layer, Option, Ref } from "effect"
import { validateInput } from "../../services/RepositoryError"
import { User, UserNotFound, UserProfile, UsersRepo } from "../../services/UsersRepo"

/** In-memory `UsersRepo` with the semantics of `UsersRepoLive`. A fresh, empty store per build. */
export const UsersRepoTest: Layer.Layer<UsersRepo> = Layer.effect(
  UsersRepo,
  Effect.gen(function*() {
    const users = yield* Ref.make(HashMap.empty<string, User>())
    return UsersRepo.of({
      upsert: (input) =>
        Effect.all([validateInput(UserProfile, "UsersRepo.upsert")(input), Clock.currentTimeMillis]).pipe(Effect.flatMap(([profile, now]) =>
          Ref.modify(users, (m) => {
            const existing = HashMap.get(m, profile.did)
            const user = Option.match(existing, {
              onNone: () =>
                new User({ ...profile, status: "active", createdAt: now, updatedAt: now }),
              onSome: (u) =>
                new User({ ...u, handle: profile.handle, pdsEndpoint: profile.pdsEndpoint, updatedAt: now })
            })
            return [user, HashMap.set(m, user.did, user)] as const
          }))),
      get: (did) => Effect.map(Ref.get(users), HashMap.get(did)),
      setStatus: (did, status) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(users, (m) =>
            Option.match(HashMap.get(m, did), {
              onNone: () => [Option.none<User>(), m] as const,
              onSome: (u) => {
                const user = new User({ ...u, status, updatedAt: now })
                return [Option.some(user), HashMap.set(m, did, user)] as const
              }
            }))).pipe(
            Effect.flatMap(Option.match({
              onNone: () => Effect.fail(new UserNotFound({ did })),
              onSome: Effect.succeed
            }))
          )
    })
  })
)
