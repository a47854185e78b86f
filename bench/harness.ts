/**
 * A tiny benchmark harness: run `fn` `warmup` times, then time `iterations` calls one by one with
 * `performance.now()` and print one line with the stated inputs and the distribution. No assertions on
 * time: the numbers are for people (and for the "Done when"), not for CI.
 *
 * `fn` may return a promise (workerd-driven benches); synchronous functions are never awaited, so their
 * timings carry no microtask overhead.
 */

export interface MeasureOptions {
  /** What is measured, e.g. "slot engine, N = 5". */
  readonly name: string
  /** The inputs in words, exactly as the issue states them plus whatever else was fixed. */
  readonly inputs: string
  readonly warmup: number
  readonly iterations: number
  readonly fn: () => unknown
}

export interface Measurement {
  readonly name: string
  readonly inputs: string
  readonly iterations: number
  /** Milliseconds per call. */
  readonly median: number
  readonly p10: number
  readonly p90: number
  readonly min: number
  readonly max: number
  readonly mean: number
}

/** Keeps results reachable so the optimiser cannot drop the work. */
let sink: unknown

const isPromise = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"

const quantile = (sorted: Float64Array, q: number): number => {
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}

const ms = (value: number): string => `${value.toFixed(3)} ms`

export const measure = async (options: MeasureOptions): Promise<Measurement> => {
  const { fn, iterations, warmup } = options
  for (let i = 0; i < warmup; i++) {
    const result = fn()
    sink = isPromise(result) ? await result : result
  }
  const times = new Float64Array(iterations)
  for (let i = 0; i < iterations; i++) {
    const started = performance.now()
    const result = fn()
    sink = isPromise(result) ? await result : result
    times[i] = performance.now() - started
  }
  times.sort()
  let total = 0
  for (const t of times) total += t
  const m: Measurement = {
    name: options.name,
    inputs: options.inputs,
    iterations,
    median: quantile(times, 0.5),
    p10: quantile(times, 0.1),
    p90: quantile(times, 0.9),
    min: times[0]!,
    max: times[iterations - 1]!,
    mean: total / iterations
  }
  console.log(
    `${m.name} | inputs: ${m.inputs} | median ${ms(m.median)} | p10 ${ms(m.p10)} / p90 ${ms(m.p90)}` +
      ` | min ${ms(m.min)} / max ${ms(m.max)} | ${m.iterations} iterations (+${warmup} warm-up)`
  )
  return m
}

/** For benches that want to show they used their results. */
export const lastResult = (): unknown => sink

/** A small seeded PRNG (mulberry32): the same seed gives the same inputs on every run and machine. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
