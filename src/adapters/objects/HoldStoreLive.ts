import { Effect, Layer, Schema } from "effect"
import { objectKeyOfToken } from "../../domain/holds/policy"
import { shardName } from "../../domain/holds/shards"
import { ClaimReply, CommitmentsReply, ConfirmMeeting, ConfirmReply, CountReply, HoldStore, HoldStoreAdmin, HoldStoreError, LeaseReply, MatchInDayReply, MatchNotFound, MatchReply, RescheduleReply, RescheduleRequest, ResumeReply, SettingReply, StatusReply, SwitchReply, VoidReply, WeekClaimRequest } from "../../services/HoldStore"
import { MatchRequest } from "../../domain/holds/matchRequest"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { objectRpc } from "./objectRpc"

const encodeMeeting = (meeting: ConfirmMeeting | undefined) => (meeting === undefined ? undefined : Schema.encodeSync(ConfirmMeeting)(meeting))
import { DayShards } from "../../services/DayShards"
import { HostObjectRecords } from "../../services/HostObjectRecords"

/** One RPC to a host object: its encoded `Either` reply decoded into the service's tagged errors. */
const call = objectRpc(({ method, problem, cause }) =>
  new HoldStoreError({ message: problem === "failed" ? `HostMatchDO.${method} failed` : `HostMatchDO.${method}: unexpected reply`, cause }))

const encodeRequest = Schema.encode(MatchRequest)
const encodeReschedule = Schema.encode(RescheduleRequest)

const hostObject = (namespace: Env["HOST_MATCH"], hostDid: string) => namespace.get(namespace.idFromName(hostDid))

type HostObject = ReturnType<typeof hostObject>

/**
 * `HoldStore` over the `HOST_MATCH` Durable Object namespace: one object per host DID
 * (`idFromName(hostDid)`); pending-match tokens carry their object's id, so a poll needs no host DID.
 * Replies come back encoded and are decoded here into the service's tagged errors. With the host's day
 * shards on, the host's object routes to them itself (`dayShardsOver`): callers never name a shard.
 */
export const HoldStoreLive: Layer.Layer<HoldStore, never, CloudflareEnv> = Layer.effect(
  HoldStore,
  Effect.map(CloudflareEnv, (env) => {
    const namespace = env.HOST_MATCH
    const forHost = (hostDid: string) => hostObject(namespace, hostDid)
    const forToken = (token: string): HostObject | undefined => {
      const key = objectKeyOfToken(token)
      if (key === undefined) return undefined
      try {
        return namespace.get(namespace.idFromString(key))
      } catch {
        return undefined // not an id of this namespace
      }
    }

    const byToken = <A, E>(token: string, use: (stub: HostObject) => Effect.Effect<A, E>) =>
      Effect.suspend((): Effect.Effect<A, E | MatchNotFound> => {
        const stub = forToken(token)
        return stub === undefined ? Effect.fail(new MatchNotFound({ token })) : use(stub)
      })

    return HoldStore.of({
      match: (request) =>
        encodeRequest(request).pipe(
          Effect.mapError((cause) => new HoldStoreError({ message: "match request does not encode", cause })),
          Effect.flatMap((encoded) => call(MatchReply, "match", () => forHost(request.hostDid).match(encoded)))
        ),
      getMatchStatus: (token, callerDid) =>
        byToken(token, (stub) => call(StatusReply, "getMatchStatus", () => stub.getMatchStatus(token, callerDid))),
      resumeMatch: (token) => byToken(token, (stub) => call(ResumeReply, "resumeMatch", () => stub.resumeMatch(token))),
      confirm: (hostDid, bookingId, meeting) => call(ConfirmReply, "confirm", () => forHost(hostDid).confirm(bookingId, encodeMeeting(meeting))),
      reschedule: (request) =>
        encodeReschedule(request).pipe(
          Effect.mapError((cause) => new HoldStoreError({ message: "reschedule request does not encode", cause })),
          Effect.flatMap((encoded) => call(RescheduleReply, "reschedule", () => forHost(request.hostDid).reschedule(encoded)))
        ),
      release: (hostDid, bookingId) => call(VoidReply, "release", () => forHost(hostDid).release(bookingId)),
      expire: (hostDid, bookingId) => call(VoidReply, "expire", () => forHost(hostDid).expire(bookingId)),
      commitments: (hostDid, from, until) => call(CommitmentsReply, "commitments", () => forHost(hostDid).commitments(hostDid, from, until))
    })
  })
)

/**
 * What the host objects keep of a person, for account deletion: match records in the person's own object, each named
 * host's and the object each token names (every object once); the shard homes in the host's own object.
 */
export const HostObjectRecordsLive: Layer.Layer<HostObjectRecords, never, CloudflareEnv> = Layer.effect(
  HostObjectRecords,
  Effect.map(CloudflareEnv, (env) => {
    const namespace = env.HOST_MATCH
    return HostObjectRecords.of({
      forgetShardHomes: (hostDid) =>
        call(CountReply, "forgetShardHomesOf", () => namespace.get(namespace.idFromName(hostDid)).forgetShardHomesOf(hostDid)),
      forgetMatches: (did, places) =>
        Effect.gen(function*() {
          const ids = new Map<string, DurableObjectId>()
          for (const hostDid of [did, ...places.hostDids]) {
            const id = namespace.idFromName(hostDid)
            ids.set(id.toString(), id)
          }
          for (const token of places.tokens) {
            const key = objectKeyOfToken(token)
            if (key === undefined) continue
            const id = yield* Effect.try(() => namespace.idFromString(key)).pipe(Effect.option)
            if (id._tag === "Some") ids.set(id.value.toString(), id.value)
          }
          let canceled = 0
          for (const id of ids.values()) {
            canceled += yield* call(CountReply, "forgetMatchesOf", () => namespace.get(id).forgetMatchesOf(did))
          }
          return canceled
        })
    })
  })
)

/** The `dayShards` switch, kept by each host's object. */
export const HoldStoreAdminLive: Layer.Layer<HoldStoreAdmin, never, CloudflareEnv> = Layer.effect(
  HoldStoreAdmin,
  Effect.map(CloudflareEnv, (env) =>
    HoldStoreAdmin.of({
      dayShards: (hostDid) => call(SettingReply, "dayShards", () => hostObject(env.HOST_MATCH, hostDid).dayShards()),
      setDayShards: (hostDid, on) =>
        call(SwitchReply, "setDayShards", () => hostObject(env.HOST_MATCH, hostDid).setDayShards(hostDid, on))
    }))
)

/** A host's day shards over the namespace: the object of (host, UTC day) is `idFromName(shardName(host, day))`. */
export const dayShardsOver = (namespace: Env["HOST_MATCH"]): DayShards["Type"] => {
  const shard = (hostDid: string, day: number) => hostObject(namespace, shardName(hostDid, day))
  return DayShards.of({
    matchInDay: (request, day) =>
      encodeRequest(request).pipe(
        Effect.mapError((cause) => new HoldStoreError({ message: "match request does not encode", cause })),
        Effect.flatMap((encoded) => call(MatchInDayReply, "matchInDay", () => shard(request.hostDid, day).matchInDay(encoded, day)))
      ),
    claim: (day, claim) => call(ClaimReply, "claimMarker", () => shard(claim.hostDid, day).claimMarker(claim)),
    drop: (hostDid, day, key) => call(VoidReply, "dropMarker", () => shard(hostDid, day).dropMarker(key)),
    lease: (hostDid, day, bookingId) => call(LeaseReply, "markerLease", () => shard(hostDid, day).markerLease(bookingId)),
    blockingCount: (hostDid, day) => call(CountReply, "blockingCount", () => shard(hostDid, day).blockingCount()),
    claimWeek: (claim) => call(ClaimReply, "claimWeek", () => hostObject(namespace, claim.hostDid).claimWeek(Schema.encodeSync(WeekClaimRequest)(claim))),
    dropWeekClaim: (hostDid, bookingId) => call(VoidReply, "dropWeekClaim", () => hostObject(namespace, hostDid).dropWeekClaim(bookingId)),
    commitments: (hostDid, day, from, until) =>
      call(CommitmentsReply, "commitments", () => shard(hostDid, day).commitments(hostDid, from, until, day)),
    confirm: (hostDid, day, bookingId, meeting) => call(ConfirmReply, "confirm", () => shard(hostDid, day).confirm(bookingId, encodeMeeting(meeting))),
    release: (hostDid, day, bookingId) => call(VoidReply, "release", () => shard(hostDid, day).release(bookingId)),
    expire: (hostDid, day, bookingId) => call(VoidReply, "expire", () => shard(hostDid, day).expire(bookingId))
  })
}
