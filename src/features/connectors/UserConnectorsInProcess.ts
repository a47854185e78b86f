import { Effect, Layer } from "effect"
import { UserConnectors } from "../../services/UserConnectors"
import { makeUserConnectorEngine, type UserConnectorEngine, type UserConnectorEngineServices } from "./UserConnectorEngine"

/**
 * `UserConnectors` with one engine per DID in this process, as the Durable Objects would hold them: the same
 * code as UserConnectorDO without the RPC hop. For Node tests (against the local provider fakes) and tools.
 */
export const UserConnectorsInProcess: Layer.Layer<UserConnectors, never, UserConnectorEngineServices> = Layer.effect(
  UserConnectors,
  Effect.gen(function*() {
    const context = yield* Effect.context<UserConnectorEngineServices>()
    const engines = new Map<string, UserConnectorEngine>()
    const engine = (did: string) =>
      Effect.suspend(() => {
        const known = engines.get(did)
        if (known !== undefined) return Effect.succeed(known)
        return makeUserConnectorEngine(did).pipe(
          Effect.provide(context),
          Effect.tap((made) => Effect.sync(() => engines.set(did, made)))
        )
      })
    return UserConnectors.of({
      busy: (did, range) => Effect.flatMap(engine(did), (e) => e.busy(range)),
      placeHold: (did, hold) => Effect.flatMap(engine(did), (e) => e.placeHold(hold)),
      confirmHold: (did, ref, meeting) => Effect.flatMap(engine(did), (e) => e.confirmHold(ref, meeting)),
      moveHold: (did, ref, to) => Effect.flatMap(engine(did), (e) => e.moveHold(ref, to)),
      releaseHold: (did, ref) => Effect.flatMap(engine(did), (e) => e.releaseHold(ref)),
      activate: (did, connectorId, access) => Effect.flatMap(engine(did), (e) => e.activate(connectorId, access)),
      connectCaldav: (did, credentials) => Effect.flatMap(engine(did), (e) => e.connectCaldav(credentials)),
      remove: (did, connectorId) => Effect.flatMap(engine(did), (e) => e.remove(connectorId)),
      maintain: (did) => Effect.flatMap(engine(did), (e) => e.maintain),
      calendarChanged: (did, connectorId) => Effect.flatMap(engine(did), (e) => e.calendarChanged(connectorId)),
      findConflicts: (did, holds) => Effect.flatMap(engine(did), (e) => e.findConflicts(holds))
    })
  })
)
