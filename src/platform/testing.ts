import { Context, Effect, Layer } from "effect"

/**
 * A service member the test did not provide: calling it (or yielding it, for a member that is an Effect)
 * dies with a message naming the service and the member, instead of a `TypeError` somewhere later.
 */
const unimplemented = (service: string, member: PropertyKey) => {
  const dead = Effect.die(`${service}: the test layer does not implement "${String(member)}"`)
  const call = () => dead
  Object.assign(call, dead)
  Object.setPrototypeOf(call, Object.getPrototypeOf(dead))
  return call
}

/** `implemented` with every other member answering `unimplemented`. */
const unimplementedProxy = <S extends object>(service: string, implemented: Partial<S>): S =>
  new Proxy({ ...implemented }, {
    get: (target: Record<PropertyKey, unknown>, member) =>
      member in target ? target[member] : (target[member] = unimplemented(service, member)),
    has: () => true
  }) as S

/**
 * A Test layer for `tag` from the members a test actually uses; any other member dies with a clear message
 * (the Effect-TS/examples http-server pattern). For a service a handler needs but the test never calls:
 * `makeTestLayer(OffersRepo)({})`.
 */
export const makeTestLayer = <I, S extends object>(tag: Context.Tag<I, S>) => (implemented: Partial<S>): Layer.Layer<I> =>
  Layer.succeed(tag, unimplementedProxy<S>(tag.key, implemented))
