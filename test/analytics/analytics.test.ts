import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import { AnalyticsLive } from "../../src/adapters/analytics/AnalyticsLive"
import { AnalyticsRecording, AnalyticsTest } from "../../src/adapters/memory/AnalyticsTest"
import { CloudflareEnv, type Env } from "../../src/platform/CloudflareEnv"
import { Analytics, type DataPoint, safeLabel } from "../../src/services/Analytics"

const report = Effect.gen(function* () {
  const analytics = yield* Analytics
  yield* analytics.timeToMatch(118.5, "held")
  yield* analytics.holdResult("failure", "provider-timeout")
  yield* analytics.count("policy_refusal", { tier: "mutual", reason: "blocked" })
})

const expectedPoints: ReadonlyArray<DataPoint> = [
  { indexes: ["time_to_match"], blobs: ["time_to_match", "held"], doubles: [118.5] },
  { indexes: ["hold_result"], blobs: ["hold_result", "failure", "provider-timeout"], doubles: [1] },
  { indexes: ["policy_refusal"], blobs: ["policy_refusal", "reason=blocked", "tier=mutual"], doubles: [1] }
]

describe("Analytics", () => {
  it.effect("Test records each event with the data point Live would write", () =>
    Effect.gen(function* () {
      yield* report
      const recorded = yield* Ref.get(yield* AnalyticsRecording)
      expect(recorded.map((r) => r.event._tag)).toEqual(["TimeToMatch", "HoldResult", "Count"])
      expect(recorded[0]!.event).toMatchObject({ ms: 118.5, outcome: "held" })
      expect(recorded.map((r) => r.point)).toEqual(expectedPoints)
    }).pipe(Effect.provide(AnalyticsTest)))

  it.effect("Live writes those points to the Analytics Engine binding; a throwing binding loses the point, not the request", () => {
    const written: Array<unknown> = []
    let fail = false
    const binding = {
      writeDataPoint: (point: unknown) => {
        if (fail) throw new Error("blobs too large")
        written.push(point)
      }
    }
    return Effect.gen(function* () {
      yield* report
      expect(written).toEqual(expectedPoints)
      fail = true
      yield* report
      expect(written).toHaveLength(3)
    }).pipe(Effect.provide(AnalyticsLive.pipe(Layer.provide(CloudflareEnv.layer({ ANALYTICS: binding } as unknown as Env)))))
  })

  it.effect("never lets a time (a busy interval's edge) into a data point", () =>
    Effect.gen(function* () {
      const analytics = yield* Analytics
      yield* analytics.holdResult("failure", "busy 2026-12-01T09:00:00Z/2026-12-01T10:00:00Z")
      yield* analytics.count("provider_error", { at: "1764579600000", window: "09:00-10:00", provider: "google", "Bad Key": "x" })
      const points = (yield* Ref.get(yield* AnalyticsRecording)).map((r) => r.point)
      expect(points[0]!.blobs).toEqual(["hold_result", "failure", "redacted"])
      expect(points[1]!.blobs).toEqual(["provider_error", "invalid_name=x", "at=redacted", "provider=google", "window=redacted"])
      expect(JSON.stringify(points)).not.toMatch(/2026|09:00|1764579600000/)
      expect(safeLabel("x".repeat(100))).toHaveLength(64)
    }).pipe(Effect.provide(AnalyticsTest)))
})
