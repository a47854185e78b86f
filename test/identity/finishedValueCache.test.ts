import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { makeFinishedValueCache } from "../../src/platform/FinishedValueCache"

// The cache that replaced Effect's `Cache` on request paths. What it must never do is make one caller await a
// lookup another caller started (in Workers that caller's request may end first and take the I/O with it).
const keep = (exit: Exit.Exit<unknown, unknown>) => (Exit.isSuccess(exit) ? Duration.minutes(1) : Duration.zero)

describe("FinishedValueCache", () => {
  it.effect("a caller never awaits another caller's lookup: a lookup that never finishes does not hold up the next caller", () =>
    Effect.gen(function* () {
      const stuck = yield* Deferred.make<string>()
      let calls = 0
      const cache = yield* makeFinishedValueCache({
        capacity: 10,
        timeToLive: keep,
        follow: { pollEvery: "10 millis", maxWait: "1 second" },
        // the first lookup hangs forever (its request went away); later ones answer
        lookup: (key: string) => (++calls === 1 ? Deferred.await(stuck) : Effect.succeed(`doc:${key}`))
      })
      const first = yield* Effect.fork(cache.get("did:a"))
      const second = yield* Effect.fork(cache.get("did:a"))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(second)).toBe("doc:did:a")
      expect(calls).toBe(2)
      // the first caller is still stuck on its own lookup, alone
      expect(first.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(first)
    }))

  it.effect("callers that miss together while a lookup is in flight take its finished result, so the origin is asked once", () =>
    Effect.gen(function* () {
      let calls = 0
      const cache = yield* makeFinishedValueCache({
        capacity: 10,
        timeToLive: keep,
        follow: { pollEvery: "10 millis", maxWait: "3 seconds" },
        lookup: (key: string) => Effect.as(Effect.sleep("200 millis"), `doc:${key}:${++calls}`)
      })
      const fibers = yield* Effect.forEach(Array.from({ length: 50 }), () => Effect.fork(cache.get("did:b")))
      yield* TestClock.adjust("1 second")
      const answers = yield* Effect.forEach(fibers, Fiber.join)
      expect(new Set(answers)).toEqual(new Set(["doc:did:b:1"]))
      expect(calls).toBe(1)
    }))

  it.effect("an interrupted lookup leaves no marker behind: the next caller looks up at once", () =>
    Effect.gen(function* () {
      let calls = 0
      const cache = yield* makeFinishedValueCache({
        capacity: 10,
        timeToLive: keep,
        follow: { pollEvery: "10 millis", maxWait: "3 seconds" },
        lookup: (key: string) => Effect.as(Effect.sleep("100 millis"), `doc:${key}:${++calls}`)
      })
      const first = yield* Effect.fork(cache.get("did:c"))
      yield* TestClock.adjust("10 millis")
      yield* Fiber.interrupt(first)
      const second = yield* Effect.fork(cache.get("did:c"))
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(second)).toBe("doc:did:c:2")
    }))

  it.effect("keeps what timeToLive keeps, for as long as it says, and nothing it says to drop", () =>
    Effect.gen(function* () {
      let calls = 0
      const cache = yield* makeFinishedValueCache({
        capacity: 2,
        timeToLive: keep,
        lookup: (key: string) => (key === "bad" ? Effect.fail(`outage ${++calls}`) : Effect.succeed(`${key}:${++calls}`))
      })
      expect(yield* cache.get("x")).toBe("x:1")
      expect(yield* cache.get("x")).toBe("x:1")
      expect(yield* Effect.flip(cache.get("bad"))).toBe("outage 2")
      expect(yield* Effect.flip(cache.get("bad"))).toBe("outage 3")
      yield* TestClock.adjust("61 seconds")
      expect(yield* cache.get("x")).toBe("x:4")
      // capacity 2: the oldest goes first
      yield* cache.get("y")
      yield* cache.get("z")
      expect(cache.size()).toBe(2)
      expect(yield* cache.get("x")).toBe("x:7")
    }))
})
