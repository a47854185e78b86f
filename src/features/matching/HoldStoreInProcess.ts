import { Context, Effect, Layer } from "effect"
import { objectKeyOfToken } from "../../domain/holds/policy"
import { shardName } from "../../domain/holds/shards"
import type { BookingsRepo } from "../../services/BookingsRepo"
import type { CalendarProvider } from "../../services/CalendarProvider"
import { HostObjectRecords } from "../../services/HostObjectRecords"
import { DayShards } from "../../services/DayShards"
import { HoldStore, HoldStoreAdmin, MatchNotFound } from "../../services/HoldStore"
import { HoldLedger, type HoldLedgerShape, memoryHoldLedger } from "./engine/HoldLedger"
import { type HostMatchEngine, makeHostMatchEngine } from "./engine/HostMatchEngine"
import { HostWake, MatchTasks } from "./engine/HostMatchPorts"

/** Tests only: the in-memory host objects by name (the host's DID, or `shardName(hostDid, day)`). */
export class HoldStoreInProcessObjects extends Context.Tag("overlap/HoldStoreInProcessObjects")<HoldStoreInProcessObjects, {
  readonly names: () => ReadonlyArray<string>
  readonly ledgerOf: (name: string) => HoldLedgerShape | undefined
}>() {}

/**
 * `HoldStore` in this process: the same engine as `HostMatchDO` without the RPC hop, one per host object
 * (the host's, and with its `dayShards` switch on one per host and UTC day, named like the Durable Objects),
 * over in-memory ledgers, with the `CalendarProvider` and `BookingsRepo` the test provides (CalendarProviderTest, BookingsRepoTest).
 * There is no alarm: whatever is due (expiries, release retries, markers) runs at the start of every call
 * to that object, by the test's Clock. Pending matches are continued by calling `resumeMatch` with their token.
 */
export const HoldStoreInProcess: Layer.Layer<HoldStore | HoldStoreAdmin | HostObjectRecords | HoldStoreInProcessObjects, never, CalendarProvider | BookingsRepo> =
  Layer.effectContext(
    Effect.gen(function*() {
      const context = yield* Effect.context<CalendarProvider | BookingsRepo>()
      const byName = new Map<string, { readonly engine: HostMatchEngine; readonly ledger: HoldLedgerShape }>()
      const byKey = new Map<string, HostMatchEngine>()

      /** The object of that name; built synchronously, so concurrent first calls cannot build two. */
      const objectNamed = (name: string): HostMatchEngine => {
        const known = byName.get(name)
        if (known) return known.engine
        const objectKey = `test-${byName.size + 1}`
        const ledger = memoryHoldLedger()
        const engine = Effect.runSync(makeHostMatchEngine({ objectKey }).pipe(
          Effect.provide(Layer.mergeAll(
            Layer.succeedContext(context),
            Layer.succeed(HoldLedger, ledger),
            MatchTasks.test([]),
            HostWake.none,
            Layer.succeed(DayShards, shards)
          ))
        ))
        byName.set(name, { engine, ledger })
        byKey.set(objectKey, engine)
        return engine
      }
      /** The object, with its due work done first (what the alarm would have done by now). */
      const dueDone = (name: string) => Effect.suspend(() => Effect.as(objectNamed(name).wakeUp, objectNamed(name)))
      const host = (hostDid: string) => dueDone(hostDid)
      const shard = (hostDid: string, day: number) => dueDone(shardName(hostDid, day))
      /** Marker calls do not run due work: a marker's renewal asks another shard, which must not ask back. */
      const shardAsIs = (hostDid: string, day: number) => Effect.sync(() => objectNamed(shardName(hostDid, day)))

      const shards: DayShards["Type"] = DayShards.of({
        matchInDay: (request, day) => Effect.flatMap(shard(request.hostDid, day), (engine) => engine.matchInDay(request, day)),
        claim: (day, claim) => Effect.flatMap(shardAsIs(claim.hostDid, day), (engine) => engine.claimMarker(claim)),
        drop: (hostDid, day, key) => Effect.flatMap(shardAsIs(hostDid, day), (engine) => engine.dropMarker(key)),
        lease: (hostDid, day, bookingId) => Effect.flatMap(shardAsIs(hostDid, day), (engine) => engine.markerLease(bookingId)),
        blockingCount: (hostDid, day) => Effect.flatMap(shardAsIs(hostDid, day), (engine) => engine.blockingCount),
        // the host's object as is (a claim arrives while that object waits for the shard's answer)
        claimWeek: (claim) => Effect.flatMap(Effect.sync(() => objectNamed(claim.hostDid)), (engine) => engine.claimWeek(claim)),
        dropWeekClaim: (hostDid, bookingId) => Effect.flatMap(Effect.sync(() => objectNamed(hostDid)), (engine) => engine.dropWeekClaim(bookingId)),
        commitments: (hostDid, day, from, until) =>
          Effect.flatMap(shard(hostDid, day), (engine) => engine.commitments(hostDid, from, until, day)),
        confirm: (hostDid, day, bookingId, meeting) => Effect.flatMap(shard(hostDid, day), (engine) => engine.confirm(bookingId, meeting)),
        release: (hostDid, day, bookingId) => Effect.flatMap(shard(hostDid, day), (engine) => engine.release(bookingId)),
        expire: (hostDid, day, bookingId) => Effect.flatMap(shard(hostDid, day), (engine) => engine.expire(bookingId))
      })

      const byToken = (token: string) =>
        Effect.suspend(() => {
          const engine = byKey.get(objectKeyOfToken(token) ?? "")
          return engine ? Effect.as(engine.wakeUp, engine) : Effect.fail(new MatchNotFound({ token }))
        })

      return Context.make(HoldStore, HoldStore.of({
        match: (request) => Effect.flatMap(host(request.hostDid), (engine) => engine.match(request)),
        getMatchStatus: (token, callerDid) => Effect.flatMap(byToken(token), (engine) => engine.getMatchStatus(token, callerDid)),
        resumeMatch: (token) => Effect.flatMap(byToken(token), (engine) => engine.resumeMatch(token)),
        confirm: (hostDid, bookingId, meeting) => Effect.flatMap(host(hostDid), (engine) => engine.confirm(bookingId, meeting)),
        reschedule: (request) => Effect.flatMap(host(request.hostDid), (engine) => engine.reschedule(request)),
        release: (hostDid, bookingId) => Effect.flatMap(host(hostDid), (engine) => engine.release(bookingId)),
        expire: (hostDid, bookingId) => Effect.flatMap(host(hostDid), (engine) => engine.expire(bookingId)),
        commitments: (hostDid, from, until) => Effect.flatMap(host(hostDid), (engine) => engine.commitments(hostDid, from, until))
      })).pipe(
        Context.add(HoldStoreAdmin, HoldStoreAdmin.of({
          dayShards: (hostDid) => Effect.flatMap(host(hostDid), (engine) => engine.dayShards),
          setDayShards: (hostDid, on) => Effect.flatMap(host(hostDid), (engine) => engine.setDayShards(hostDid, on))
        })),
        Context.add(HostObjectRecords, HostObjectRecords.of({
          forgetShardHomes: (hostDid) => objectNamed(hostDid).forgetShardHomesOf(hostDid),
          forgetMatches: (did, places) =>
            Effect.gen(function*() {
              const engines = new Set<HostMatchEngine>([did, ...places.hostDids].map(objectNamed))
              for (const token of places.tokens) {
                const engine = byKey.get(objectKeyOfToken(token) ?? "")
                if (engine !== undefined) engines.add(engine)
              }
              let canceled = 0
              for (const engine of engines) canceled += yield* engine.forgetMatchesOf(did)
              return canceled
            })
        })),
        Context.add(HoldStoreInProcessObjects, HoldStoreInProcessObjects.of({
          names: () => [...byName.keys()],
          ledgerOf: (name) => byName.get(name)?.ledger
        }))
      )
    })
  )
