import { Effect } from "effect"
import { trimBase } from "../../domain/oauth/providers"
import { type GoogleChannelDeps, handleGoogleChannel } from "./GoogleChannel"
import { type GraphSubscriptionDeps, handleGraphNotification } from "./GraphSubscription"

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

/** What the push handlers need: the channel secret, the channel rows, the calendar-tasks queue (src/entry/pushGraph.ts). */
export type PushDeps = GoogleChannelDeps & GraphSubscriptionDeps

/**
 * The Response for a push notification request, or undefined when the path is not a push path. Mounted in
 * src/entry/webhooks.ts: `const pushed = await routeCalendarPush(request, pushDeps(env)); if (pushed) return pushed`.
 */
export const routeCalendarPush = (request: Request, deps: PushDeps): Promise<Response | undefined> => {
  const path = new URL(request.url).pathname
  if (path === PUSH_PATHS.google) return Effect.runPromise(handleGoogleChannel(request, deps))
  if (path === PUSH_PATHS.microsoft || path === PUSH_PATHS.microsoftLifecycle) {
    return Effect.runPromise(handleGraphNotification(request, deps))
  }
  return Promise.resolve(undefined)
}
