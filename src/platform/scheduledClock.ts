import { Clock, Effect } from "effect"

/**
 * A clock that reads `scheduledTime` at the moment it is made and runs on from there: a cron job run with it sees
 * the time its trigger was scheduled for (`ScheduledController.scheduledTime`) rather than the moment the isolate
 * got to it. On Cloudflare the two differ by the dispatch delay; `wrangler dev`'s
 * `/cdn-cgi/handler/scheduled?cron=…&time=<ms>` sets it, which is how the end-to-end test runs the reminder sweep
 * at a chosen instant. Sleeping and the scheduler are the live clock's.
 */
export const scheduledClock = (scheduledTime: number): Clock.Clock => {
  const live = Clock.make()
  const offset = Number.isFinite(scheduledTime) ? scheduledTime - live.unsafeCurrentTimeMillis() : 0
  const millis = () => live.unsafeCurrentTimeMillis() + offset
  const nanos = () => live.unsafeCurrentTimeNanos() + BigInt(Math.round(offset)) * 1_000_000n
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: nanos,
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) => live.sleep(duration)
  }
}
