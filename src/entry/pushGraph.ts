import type { CalendarChanged } from "../domain/calendar/calendarTask"
import type { Env } from "../platform/CloudflareEnv"
import { makePushChannelsD1 } from "../adapters/providers/PushChannelsLive"
import { calendarTaskProducer } from "../adapters/queues/CalendarTaskQueueLive"
import type { PushDeps } from "../features/push/routes"

/** The push handlers' dependencies over the webhooks worker's bindings: D1 for channels, the calendar-tasks queue. */
export const pushDeps = (env: Env): PushDeps => ({
  secret: env.PUSH_CHANNEL_SECRET,
  findChannel: makePushChannelsD1(env.DB).find,
  enqueue: (message: CalendarChanged) => calendarTaskProducer(env.CALENDAR_TASKS).send(message)
})
