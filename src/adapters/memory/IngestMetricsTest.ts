import { Context, Effect, Layer, Ref } from "effect"
import { type IngestPoint, IngestMetrics } from "../../services/IngestMetrics"

/** The points `IngestMetricsTest` recorded. */
export class IngestMetricsLog extends Context.Tag("overlap/IngestMetricsLog")<
  IngestMetricsLog,
  Ref.Ref<ReadonlyArray<IngestPoint>>
>() {}

/** IngestMetrics in memory, readable through `IngestMetricsLog`. */
export const IngestMetricsTest: Layer.Layer<IngestMetrics | IngestMetricsLog> = Layer.effect(
  IngestMetrics,
  Effect.map(IngestMetricsLog, (log) => IngestMetrics.of({ count: (point) => Ref.update(log, (points) => [...points, point]) }))
).pipe(Layer.provideMerge(Layer.effect(IngestMetricsLog, Ref.make<ReadonlyArray<IngestPoint>>([]))))
