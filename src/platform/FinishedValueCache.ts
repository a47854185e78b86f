import { Clock, Duration, Effect, Exit } from "effect"

/**
 * A per-isolate cache that holds only *finished* results. A miss runs the lookup in the caller's own fiber
 * (so its I/O belongs to the caller's request); callers that miss together each run their own lookup, and
 * none ever awaits another's. In Workers, a request that awaits I/O another request started is canceled or
 * hangs when that request ends (docs/architecture.md, "Nothing in flight is shared"); Effect's `Cache`
 * and `Effect.cached` join in-flight lookups, so they are not used on request paths.
 *
 * `timeToLive` decides per result how long it is kept (zero: not kept, e.g. an outage). Entries beyond
 * `capacity` evict the oldest first.
 *
 * With `follow`, a caller that misses while another caller's lookup of the same key is in flight does not
 * start a second lookup at once: it polls, on its own timer, for the finished result (up to `follow.maxWait`,
 * then it looks up itself). So a burst asks the origin about one key about once, and still nobody awaits
 * anybody else's promise.
 */
export interface FinishedValueCache<K, A, E> {
  readonly get: (key: K) => Effect.Effect<A, E>
  readonly invalidate: (key: K) => Effect.Effect<void>
  /** How many finished results are held now. */
  readonly size: () => number
}

export interface FinishedValueCacheOptions<K, A, E, R> {
  readonly lookup: (key: K) => Effect.Effect<A, E, R>
  readonly timeToLive: (exit: Exit.Exit<A, E>) => Duration.DurationInput
  readonly capacity: number
  readonly follow?: { readonly pollEvery: Duration.DurationInput; readonly maxWait: Duration.DurationInput }
}

interface Entry<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly expiresAt: number
}

export const makeFinishedValueCache = <K, A, E, R>(
  options: FinishedValueCacheOptions<K, A, E, R>
): Effect.Effect<FinishedValueCache<K, A, E>, never, R> =>
  Effect.map(Effect.context<R>(), (context) => {
    // a Map keeps insertion order: re-inserting on write makes the first key the oldest
    const entries = new Map<K, Entry<A, E>>()
    // keys whose lookup some caller has started and not finished: a marker, never the lookup itself
    const inFlight = new Map<K, { readonly token: number; readonly startedAt: number }>()

    const remember = (key: K, exit: Exit.Exit<A, E>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const ttl = Duration.toMillis(options.timeToLive(exit))
          entries.delete(key)
          if (ttl <= 0) return
          entries.set(key, { exit, expiresAt: now + ttl })
          while (entries.size > options.capacity) {
            const oldest = entries.keys().next()
            if (oldest.done === true) break
            entries.delete(oldest.value)
          }
        })
      )

    const finished = (key: K, now: number): Exit.Exit<A, E> | undefined => {
      const entry = entries.get(key)
      return entry !== undefined && entry.expiresAt > now ? entry.exit : undefined
    }

    const lookupOwn = (key: K, token: number): Effect.Effect<A, E> =>
      options.lookup(key).pipe(
        Effect.provide(context),
        Effect.onExit((exit) =>
          Effect.zipRight(
            Effect.sync(() => {
              if (inFlight.get(key)?.token === token) inFlight.delete(key)
            }),
            Exit.isInterrupted(exit) ? Effect.void : remember(key, exit)
          )
        )
      )

    let tokens = 0
    const startLookup = (key: K) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const token = ++tokens
        if (inFlight.size >= options.capacity) inFlight.clear()
        inFlight.set(key, { token, startedAt: now })
        return lookupOwn(key, token)
      })

    const follow = options.follow
    const pollEvery = follow === undefined ? 0 : Duration.toMillis(follow.pollEvery)
    const maxWait = follow === undefined ? 0 : Duration.toMillis(follow.maxWait)

    /** Waits on this caller's own timer for another caller's lookup to finish; looks up itself if it does not. */
    const awaitFinished = (key: K, until: number): Effect.Effect<A, E> =>
      Effect.flatMap(Effect.sleep(pollEvery), () =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const exit = finished(key, now)
          if (exit !== undefined) return exit
          if (now >= until || !inFlight.has(key)) return startLookup(key)
          return awaitFinished(key, until)
        })
      )

    const get = (key: K): Effect.Effect<A, E> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const exit = finished(key, now)
        if (exit !== undefined) return exit
        // a marker older than maxWait belongs to a request that vanished without finishing: ignore it
        const started = inFlight.get(key)?.startedAt
        if (follow !== undefined && started !== undefined && now - started < maxWait) return awaitFinished(key, started + maxWait)
        return startLookup(key)
      })

    return {
      get,
      invalidate: (key) => Effect.sync(() => void entries.delete(key)),
      size: () => entries.size
    }
  })
