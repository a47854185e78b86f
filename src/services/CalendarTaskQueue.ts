import { Context, Effect, Layer, Ref, Schema } from "effect"
import type { CalendarChanged } from "../domain/calendar/calendarTask"
import { CloudflareEnv } from "../platform/CloudflareEnv"

export class CalendarTaskEnqueueError extends Schema.TaggedError<CalendarTaskEnqueueError>()("CalendarTaskEnqueueError", {
  cause: Schema.Defect
}) {}

/** The producer side of `calendar-tasks` for connector changes (the CalDAV poll; push comes from the webhooks worker). */
export class CalendarTaskQueue extends Context.Tag("overlap/CalendarTaskQueue")<CalendarTaskQueue, {
  readonly calendarChanged: (message: CalendarChanged) => Effect.Effect<void, CalendarTaskEnqueueError>
}>() {
  static Live: Layer.Layer<CalendarTaskQueue, never, CloudflareEnv> = Layer.effect(
    this,
    Effect.map(CloudflareEnv, (env) =>
      CalendarTaskQueue.of({
        calendarChanged: (message) =>
          Effect.tryPromise({ try: () => env.CALENDAR_TASKS.send(message, { contentType: "json" }), catch: (cause) => new CalendarTaskEnqueueError({ cause }) })
      }))
  )

  /** In memory: `sent` is every message, in order. */
  static makeTest = Effect.gen(function*() {
    const sent = yield* Ref.make<ReadonlyArray<CalendarChanged>>([])
    return { sent, service: CalendarTaskQueue.of({ calendarChanged: (message) => Ref.update(sent, (all) => [...all, message]) }) }
  })
}
