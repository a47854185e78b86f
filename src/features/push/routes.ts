import { Effect } from "effect"
import type { CalendarChanged } from "../../domain/calendar/calendarTask"
import { trimBase } from "../../domain/oauth/providers"
import type { Env } from "../../platform/CloudflareEnv"
import { makePushChannelsD1 } from "../../adapters/providers/PushChannelsLive"
import { handleGoogleChannel } from "./GoogleChannel"
import { handleGraphNotification } from "./GraphSubscription"

/** Paths of the webhooks worker that receive calendar push notifications. */
export const PUSH_PATHS = {
  google: "/push/google",
  microsoft: "/push/microsoft",
  microsoftLifecycle: "/push/microsoft/lifecycle"
} as const

/** The URLs to register with the providers (events.watch `address`, subscription `notificationUrl`s). */
export const pushUrls = (webhooksPublicUrl: string) => ({
  google: `${trimBase(webhooksPublicUrl)}${PUSH_PATHS.google}`,
  microsoft: `${trimBase(webhooksPublicUrl)}${PUSH_PATHS.microsoft}`,
  microsoftLifecycle: `${trimBase(webhooksPublicUrl)}${PUSH_PATHS.microsoftLifecycle}`
})

/** The handlers' dependencies over the webhooks worker's bindings: D1 for channels, the calendar-tasks queue. */
export const pushDeps = (env: Env) => ({
  secret: env.PUSH_CHANNEL_SECRET,
  findChannel: makePushChannelsD1(env.DB).find,
  enqueue: (message: CalendarChanged) => Effect.tryPromise(() => env.CALENDAR_TASKS.send(message))
})

/**
 * The Response for a push notification request, or undefined when the path is not a push path. Mount in
 * src/entry/webhooks.ts: `const pushed = await routeCalendarPush(request, env); if (pushed) return pushed`.
 */
export const routeCalendarPush = (request: Request, env: Env): Promise<Response | undefined> => {
  const path = new URL(request.url).pathname
  if (path === PUSH_PATHS.google) return Effect.runPromise(handleGoogleChannel(request, pushDeps(env)))
  if (path === PUSH_PATHS.microsoft || path === PUSH_PATHS.microsoftLifecycle) {
    return Effect.runPromise(handleGraphNotification(request, pushDeps(env)))
  }
  return Promise.resolve(undefined)
}
