import { Effect, Layer } from "effect"
import type { CalendarTask } from "../../domain/calendar/calendarTask"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { CalendarTaskEnqueueError, CalendarTaskQueue, MAX_CALENDAR_TASK_DELAY_SECONDS } from "../../services/CalendarTaskQueue"

const delayWithin = (delaySeconds: number): number => Math.max(0, Math.min(MAX_CALENDAR_TASK_DELAY_SECONDS, Math.ceil(delaySeconds)))

/** The `calendar-tasks` producer over a queue binding (as JSON). */
export const calendarTaskProducer = (queue: Queue) =>
  CalendarTaskQueue.of({
    send: (task: CalendarTask, options) =>
      Effect.tryPromise({
        try: () =>
          queue.send(task, {
            contentType: "json",
            ...(options?.delaySeconds !== undefined ? { delaySeconds: delayWithin(options.delaySeconds) } : {})
          }),
        catch: (cause) => new CalendarTaskEnqueueError({ cause })
      })
  })

/** CalendarTaskQueue over the worker's `CALENDAR_TASKS` binding. */
export const CalendarTaskQueueLive: Layer.Layer<CalendarTaskQueue, never, CloudflareEnv> = Layer.effect(
  CalendarTaskQueue,
  Effect.map(CloudflareEnv, (env) => calendarTaskProducer(env.CALENDAR_TASKS))
)
