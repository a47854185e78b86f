import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { CalendarTask } from "../domain/calendar/calendarTask"

export class CalendarTaskEnqueueError extends Schema.TaggedError<CalendarTaskEnqueueError>()("CalendarTaskEnqueueError", {
  cause: Schema.Defect
}) {}

/** Queues hold a message back at most 12 h. */
export const MAX_CALENDAR_TASK_DELAY_SECONDS = 43_200

/**
 * The one way onto the `calendar-tasks` queue (pending matches, calendar changes, match requests). Live:
 * src/adapters/queues/CalendarTaskQueueLive.ts; in memory: src/adapters/memory/CalendarTaskQueueTest.ts.
 */
export class CalendarTaskQueue extends Context.Tag("overlap/CalendarTaskQueue")<CalendarTaskQueue, {
  /** `delaySeconds` holds the message back (rounded up, within 0 … MAX_CALENDAR_TASK_DELAY_SECONDS). */
  readonly send: (task: CalendarTask, options?: { readonly delaySeconds?: number }) => Effect.Effect<void, CalendarTaskEnqueueError>
}>() {}
