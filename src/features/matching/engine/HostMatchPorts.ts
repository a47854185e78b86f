import { Context, Effect, Layer } from "effect"
import type { MatchTask } from "../../../domain/calendar/calendarTask"
import { CalendarTaskQueue } from "../../../services/CalendarTaskQueue"
import type { SlotInputInvalid } from "../../../domain/slots"
import {
  type CalendarUnavailable,
  type Held,
  type HoldNotFound,
  HoldStoreError,
  type MarkerClaim,
  type MarkerLease,
  type MatchRequest,
  type NoSlotAvailable,
  type ShardBackoff
} from "../../../services/HoldStore"

/** Where a pending match goes to continue: the `calendar-tasks` queue (Live) or a list (tests). */
export class MatchTasks extends Context.Tag("overlap/MatchTasks")<MatchTasks, {
  readonly enqueue: (task: MatchTask, delaySeconds: number) => Effect.Effect<void, HoldStoreError>
}>() {
  static Live: Layer.Layer<MatchTasks, never, CalendarTaskQueue> = Layer.effect(
    MatchTasks,
    Effect.map(CalendarTaskQueue, (queue) =>
      MatchTasks.of({
        enqueue: (task, delaySeconds) =>
          queue.send(task, { delaySeconds }).pipe(
            Effect.mapError((error) => new HoldStoreError({ message: "could not queue the pending match", cause: error.cause }))
          )
      }))
  )

  /** Records the tasks in `sink` (a test drains it and calls `resumeMatch` itself). */
  static test = (sink: Array<{ readonly task: MatchTask; readonly delaySeconds: number }>): Layer.Layer<MatchTasks> =>
    Layer.succeed(MatchTasks, MatchTasks.of({ enqueue: (task, delaySeconds) => Effect.sync(() => void sink.push({ task, delaySeconds })) }))
}

/**
 * Keeps the object's wake-up (its Durable Object alarm) at the ledger's earliest due time. `refresh` reads
 * the ledger and sets the alarm in one synchronous step, so the last refresh always carries the newest view.
 */
export class HostWake extends Context.Tag("overlap/HostWake")<HostWake, {
  readonly refresh: Effect.Effect<void>
}>() {
  /** No alarm: the in-memory store runs due work on every call instead. */
  static none: Layer.Layer<HostWake> = Layer.succeed(HostWake, HostWake.of({ refresh: Effect.void }))
}

/**
 * How a host's object reaches the host's day shards (`shardName(hostDid, day)`, src/domain/holds/shards.ts)
 * when the host's `dayShards` switch is on, and how a day shard reaches the others: Live over the HOST_MATCH
 * namespace (HoldStoreLive.ts), in memory in HoldStore.Test.
 */
export class DayShards extends Context.Tag("overlap/DayShards")<DayShards, {
  /** The match, restricted to slots starting on `day`, in that day's shard. */
  readonly matchInDay: (
    request: MatchRequest,
    day: number
  ) => Effect.Effect<Held, NoSlotAvailable | CalendarUnavailable | SlotInputInvalid | HoldStoreError | ShardBackoff>
  /** Registers a hold homed elsewhere in the shard of `day`; false when it clashes there (nothing registered). */
  readonly claim: (day: number, claim: MarkerClaim) => Effect.Effect<boolean, HoldStoreError>
  readonly drop: (hostDid: string, day: number, key: string) => Effect.Effect<void, HoldStoreError>
  /** Asks a hold's home shard whether it still blocks (for a marker of it that came due). */
  readonly lease: (hostDid: string, homeDay: number, bookingId: string) => Effect.Effect<MarkerLease, HoldStoreError>
  /** Blocking holds homed in the shard of `day` (markers not counted). */
  readonly blockingCount: (hostDid: string, day: number) => Effect.Effect<number, HoldStoreError>
  /** confirm / release / expire of a hold in its home shard. */
  readonly confirm: (hostDid: string, day: number, bookingId: string) => Effect.Effect<void, HoldNotFound | CalendarUnavailable | HoldStoreError>
  readonly release: (hostDid: string, day: number, bookingId: string) => Effect.Effect<void, HoldStoreError>
  readonly expire: (hostDid: string, day: number, bookingId: string) => Effect.Effect<void, HoldStoreError>
}>() {}
