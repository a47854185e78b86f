import { Effect, Layer } from "effect"
import { objectKeyOfToken } from "../domain/holds/policy"
import type { BookingsRepo } from "../services/BookingsRepo"
import type { CalendarProvider } from "../services/CalendarProvider"
import { HoldStore, MatchNotFound } from "../services/HoldStore"
import { HoldLedger, memoryHoldLedger } from "./holds/HoldLedger"
import { type HostMatchEngine, makeHostMatchEngine } from "./holds/HostMatchEngine"
import { HostWake, MatchTasks } from "./holds/HostMatchPorts"

/**
 * `HoldStore` in memory: the same engine as `HostMatchDO`, one per host, over an in-memory ledger, with
 * the `CalendarProvider` and `BookingsRepo` the test provides (CalendarProviderTest, BookingsRepoTest).
 * There is no alarm: whatever is due (expiries, release retries) runs at the start of every call to that
 * host, by the test's Clock. Pending matches are continued by calling `resumeMatch` with their token.
 */
export const HoldStoreTest: Layer.Layer<HoldStore, never, CalendarProvider | BookingsRepo> = Layer.effect(
  HoldStore,
  Effect.gen(function*() {
    const context = yield* Effect.context<CalendarProvider | BookingsRepo>()
    const byHost = new Map<string, HostMatchEngine>()
    const byKey = new Map<string, HostMatchEngine>()

    const engineFor = (hostDid: string) =>
      Effect.suspend(() => {
        const known = byHost.get(hostDid)
        if (known) return Effect.succeed(known)
        // Built synchronously, so concurrent first calls for a host cannot build two engines.
        const objectKey = `test-${byHost.size + 1}`
        const engine = Effect.runSync(makeHostMatchEngine({ objectKey }).pipe(
          Effect.provide(Layer.mergeAll(
            Layer.succeedContext(context),
            Layer.succeed(HoldLedger, memoryHoldLedger()),
            MatchTasks.test([]),
            HostWake.none
          ))
        ))
        byHost.set(hostDid, engine)
        byKey.set(objectKey, engine)
        return Effect.succeed(engine)
      })
    /** The host's engine, with due work done first (what the alarm would have done by now). */
    const host = (hostDid: string) => Effect.tap(engineFor(hostDid), (engine) => engine.wakeUp)
    const byToken = (token: string) =>
      Effect.suspend(() => {
        const engine = byKey.get(objectKeyOfToken(token) ?? "")
        return engine ? Effect.as(engine.wakeUp, engine) : Effect.fail(new MatchNotFound({ token }))
      })

    return HoldStore.of({
      match: (request) => Effect.flatMap(host(request.hostDid), (engine) => engine.match(request)),
      getMatchStatus: (token, callerDid) => Effect.flatMap(byToken(token), (engine) => engine.getMatchStatus(token, callerDid)),
      resumeMatch: (token) => Effect.flatMap(byToken(token), (engine) => engine.resumeMatch(token)),
      confirm: (hostDid, bookingId) => Effect.flatMap(host(hostDid), (engine) => engine.confirm(bookingId)),
      reschedule: (request) => Effect.flatMap(host(request.hostDid), (engine) => engine.reschedule(request)),
      release: (hostDid, bookingId) => Effect.flatMap(host(hostDid), (engine) => engine.release(bookingId)),
      expire: (hostDid, bookingId) => Effect.flatMap(host(hostDid), (engine) => engine.expire(bookingId))
    })
  })
)
