import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { scheduledClock } from "../../src/platform/scheduledClock"

// The AppView's minute cron runs the reminder sweep on the trigger's scheduledTime (wrangler dev sets it from
// /cdn-cgi/handler/scheduled?time=…): the sweep must see that instant, not the wall clock.
describe("scheduledClock", () => {
  it("reads the scheduled time and runs on from it", async () => {
    const at = Date.parse("2031-05-04T09:59:00.000Z")
    const [millis, nanos] = await Effect.runPromise(
      Effect.all([Clock.currentTimeMillis, Clock.currentTimeNanos]).pipe(Effect.withClock(scheduledClock(at)))
    )
    expect(millis).toBeGreaterThanOrEqual(at)
    expect(millis - at).toBeLessThan(5_000)
    expect(Number(nanos / 1_000_000n) - millis).toBeLessThanOrEqual(1)
    expect(Math.abs(Number(nanos / 1_000_000n) - millis)).toBeLessThan(2)
  })

  it("an invalid time leaves the live clock", async () => {
    const millis = await Effect.runPromise(Clock.currentTimeMillis.pipe(Effect.withClock(scheduledClock(Number.NaN))))
    expect(Math.abs(millis - Date.now())).toBeLessThan(5_000)
  })
})
