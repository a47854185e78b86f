import { Effect, type Either, Schema } from "effect"

/** Why an RPC gave no answer of the service's own: the object could not be reached, or answered what does not decode. */
export interface RpcFailure {
  readonly method: string
  readonly problem: "failed" | "unexpected reply"
  readonly cause: unknown
}

/**
 * The one client of the Durable Objects whose RPC methods answer a Schema-encoded `Either` (HostMatchDO,
 * BookingDO, UserConnectorDO): `call(reply, method, rpc)` runs one RPC and decodes its reply into the service's
 * tagged errors. A failure of the call itself becomes the service's own "unavailable" error, made by `unavailable`.
 */
export const objectRpc =
  <U>(unavailable: (failure: RpcFailure) => U) =>
  <A, E, I, EI>(
    reply: Schema.Schema<Either.Either<A, E>, Schema.EitherEncoded<I, EI>>,
    method: string,
    rpc: () => Promise<unknown>
  ): Effect.Effect<A, E | U> =>
    Effect.tryPromise({ try: rpc, catch: (cause) => unavailable({ method, problem: "failed", cause }) }).pipe(
      Effect.flatMap((encoded) =>
        Schema.decodeUnknown(reply)(encoded).pipe(
          Effect.mapError((cause) => unavailable({ method, problem: "unexpected reply", cause }))
        )),
      Effect.flatMap((either) => either)
    )
