import { Effect, Exit, Layer, Runtime, Scope } from "effect"
import type { Env } from "./CloudflareEnv"

/**
 * A service graph built into a runtime *now*, synchronously, by whoever first needs it — so no request ever
 * awaits a graph another request is still building (in Workers that request may end first, and everything
 * waiting on its I/O is canceled). Building fails loudly if a layer does I/O while it is built: layers on a
 * request path construct clients and caches only, and do their I/O per call (docs/architecture.md).
 */
export interface IsolateRuntime<A> {
  readonly runtime: Runtime.Runtime<A>
  readonly runPromise: <X, E>(effect: Effect.Effect<X, E, A>) => Promise<X>
  readonly dispose: () => Promise<void>
}

export const buildIsolateRuntime = <A, E>(layer: Layer.Layer<A, E>, memoMap?: Layer.MemoMap): IsolateRuntime<A> => {
  const scope = Effect.runSync(Scope.make())
  const memo = memoMap ?? Effect.runSync(Layer.makeMemoMap)
  const runtime = Effect.runSync(Scope.extend(Layer.toRuntimeWithMemoMap(layer, memo), scope))
  return {
    runtime,
    runPromise: (effect) => Runtime.runPromise(runtime)(effect),
    dispose: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** One runtime per `env` (per isolate in practice), never per request; built synchronously on first use. */
export const isolateRuntimes = <A, E>(graph: (env: Env) => Layer.Layer<A, E>): ((env: Env) => IsolateRuntime<A>) => {
  const built = new WeakMap<Env, IsolateRuntime<A>>()
  return (env) => {
    let runtime = built.get(env)
    if (runtime === undefined) {
      runtime = buildIsolateRuntime(graph(env))
      built.set(env, runtime)
    }
    return runtime
  }
}
