import { Context, Effect, Layer } from "effect"
import type { MatchTask } from "../../../domain/calendar/calendarTask"
import { CalendarTaskQueue } from "../../../services/CalendarTaskQueue"
import { HoldStoreError } from "../../../services/HoldStore"

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
