import { Effect, Exit, Layer, Runtime, Scope } from "effect"
import type { Env } from "./CloudflareEnv"

/**
 * A service graph built into a runtime *now*, synchronously, by whoever first needs it — so no request ever
 * awaits a graph another request is still building (in Workers that request may end first, and everything
 * waiting on its I/O is canceled). Building fails loudly if a layer does I/O while it is built: layers on a
 * request path construct clients and caches only, and do their I/O per call (docs/architecture.md).
 *
 * Every worker entry and every Durable Object builds its runtime this way: entries once per `env` through
 * `isolateRuntimes` (`const runtimeFor = isolateRuntimes(graph)`), objects once per instance through `buildIsolateRuntime`.
 */
export interface IsolateRuntime<A> {
  readonly runtime: Runtime.Runtime<A>
  /** The layers' instances by layer: a second graph built with it (the XRPC app) shares them. */
  readonly memoMap: Layer.MemoMap
  /** For effects that do no I/O, e.g. making an engine over the services. */
  readonly runSync: <X, E>(effect: Effect.Effect<X, E, A>) => X
  readonly runPromise: <X, E>(effect: Effect.Effect<X, E, A>) => Promise<X>
  readonly dispose: () => Promise<void>
}

export const buildIsolateRuntime = <A, E>(layer: Layer.Layer<A, E>, memoMap?: Layer.MemoMap): IsolateRuntime<A> => {
  const scope = Effect.runSync(Scope.make())
  const memo = memoMap ?? Effect.runSync(Layer.makeMemoMap)
  const runtime = Effect.runSync(Scope.extend(Layer.toRuntimeWithMemoMap(layer, memo), scope))
  return {
    runtime,
    memoMap: memo,
    runSync: (effect) => Runtime.runSync(runtime)(effect),
    runPromise: (effect) => Runtime.runPromise(runtime)(effect),
    dispose: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** One finished value per `env` (per isolate in practice), never per request: built synchronously on first use. */
export const perEnv = <T>(build: (env: Env) => T): ((env: Env) => T) => {
  const built = new WeakMap<Env, T>()
  return (env) => {
    let value = built.get(env)
    if (value === undefined) {
      value = build(env)
      built.set(env, value)
    }
    return value
  }
}

/** An entry's `runtimeFor(env)`: the graph over `env`, built once per `env`. */
export const isolateRuntimes = <A, E>(graph: (env: Env) => Layer.Layer<A, E>): ((env: Env) => IsolateRuntime<A>) =>
  perEnv((env) => buildIsolateRuntime(graph(env)))
