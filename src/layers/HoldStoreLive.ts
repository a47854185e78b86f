import { Effect, type Either, Layer, Schema } from "effect"
import { objectKeyOfToken } from "../domain/holds/policy"
import {
  ConfirmReply,
  HoldStore,
  HoldStoreError,
  type HostMatchRpc,
  MatchNotFound,
  MatchReply,
  MatchRequest,
  RescheduleReply,
  RescheduleRequest,
  ResumeReply,
  StatusReply,
  VoidReply
} from "../services/HoldStore"
import { CloudflareEnv } from "./CloudflareEnv"

/**
 * `HoldStore` over the `HOST_MATCH` Durable Object namespace: one object per host DID
 * (`idFromName(hostDid)`); pending-match tokens carry their object's id, so a poll needs no host DID.
 * Replies come back encoded and are decoded here into the service's tagged errors.
 */
export const HoldStoreLive: Layer.Layer<HoldStore, never, CloudflareEnv> = Layer.effect(
  HoldStore,
  Effect.map(CloudflareEnv, (env) => {
    const namespace = env.HOST_MATCH
    const forHost = (hostDid: string) => namespace.get(namespace.idFromName(hostDid)) as unknown as HostMatchRpc
    const forToken = (token: string): HostMatchRpc | undefined => {
      const key = objectKeyOfToken(token)
      if (key === undefined) return undefined
      try {
        return namespace.get(namespace.idFromString(key)) as unknown as HostMatchRpc
      } catch {
        return undefined // not an id of this namespace
      }
    }

    const call = <A, E, I, EI>(
      reply: Schema.Schema<Either.Either<A, E>, Schema.EitherEncoded<I, EI>>,
      method: string,
      rpc: () => Promise<Schema.EitherEncoded<I, EI>>
    ): Effect.Effect<A, E | HoldStoreError> =>
      Effect.tryPromise({
        try: rpc,
        catch: (cause) => new HoldStoreError({ message: `HostMatchDO.${method} failed`, cause })
      }).pipe(
        Effect.flatMap((encoded) =>
          Schema.decodeUnknown(reply)(encoded).pipe(
            Effect.mapError((cause) => new HoldStoreError({ message: `HostMatchDO.${method}: unexpected reply`, cause }))
          )
        ),
        Effect.flatMap((either) => either)
      )

    const byToken = <A, E>(token: string, use: (stub: HostMatchRpc) => Effect.Effect<A, E>) =>
      Effect.suspend((): Effect.Effect<A, E | MatchNotFound> => {
        const stub = forToken(token)
        return stub === undefined ? Effect.fail(new MatchNotFound({ token })) : use(stub)
      })

    const encodeRequest = Schema.encode(MatchRequest)
    const encodeReschedule = Schema.encode(RescheduleRequest)

    return HoldStore.of({
      match: (request) =>
        encodeRequest(request).pipe(
          Effect.mapError((cause) => new HoldStoreError({ message: "match request does not encode", cause })),
          Effect.flatMap((encoded) => call(MatchReply, "match", () => forHost(request.hostDid).match(encoded)))
        ),
      getMatchStatus: (token, callerDid) =>
        byToken(token, (stub) => call(StatusReply, "getMatchStatus", () => stub.getMatchStatus(token, callerDid))),
      resumeMatch: (token) => byToken(token, (stub) => call(ResumeReply, "resumeMatch", () => stub.resumeMatch(token))),
      confirm: (hostDid, bookingId) => call(ConfirmReply, "confirm", () => forHost(hostDid).confirm(bookingId)),
      reschedule: (request) =>
        encodeReschedule(request).pipe(
          Effect.mapError((cause) => new HoldStoreError({ message: "reschedule request does not encode", cause })),
          Effect.flatMap((encoded) => call(RescheduleReply, "reschedule", () => forHost(request.hostDid).reschedule(encoded)))
        ),
      release: (hostDid, bookingId) => call(VoidReply, "release", () => forHost(hostDid).release(bookingId)),
      expire: (hostDid, bookingId) => call(VoidReply, "expire", () => forHost(hostDid).expire(bookingId))
    })
  })
)
