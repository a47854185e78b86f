import { Effect, Ref } from "effect"
import type { CalendarTask } from "../../domain/calendar/calendarTask"
import { CalendarTaskQueue } from "../../services/CalendarTaskQueue"

/** CalendarTaskQueue in memory: `sent` is every task, in order. Fresh per run. */
export const makeCalendarTaskQueueTest = Effect.gen(function*() {
  const sent = yield* Ref.make<ReadonlyArray<CalendarTask>>([])
  return { sent, service: CalendarTaskQueue.of({ send: (task) => Ref.update(sent, (all) => [...all, task]) }) }
})
