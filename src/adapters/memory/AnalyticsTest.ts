import { Context, Effect, Layer, Ref } from "effect"
import { Analytics, type AnalyticsEvent, analyticsWith, type DataPoint } from "../../services/Analytics"

/** One recorded metric: the event as reported and the data point Live would have written for it. */
export interface RecordedPoint {
  readonly event: AnalyticsEvent
  readonly point: DataPoint
}

/** What the Test layer recorded, oldest first; read it with `Ref.get`. */
export class AnalyticsRecording extends Context.Tag("overlap/AnalyticsRecording")<AnalyticsRecording, Ref.Ref<ReadonlyArray<RecordedPoint>>>() {}

/** In-memory `Analytics`, plus `AnalyticsRecording` to read what was written. Fresh per build. */
export const AnalyticsTest: Layer.Layer<Analytics | AnalyticsRecording> = Layer.effectContext(
  Effect.gen(function* () {
    const recorded = yield* Ref.make<ReadonlyArray<RecordedPoint>>([])
    const analytics = analyticsWith((event, point) => Ref.update(recorded, (points) => [...points, { event, point }]))
    return Context.make(Analytics, analytics).pipe(Context.add(AnalyticsRecording, recorded))
  })
)
