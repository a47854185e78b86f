import { Effect, Layer } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"
import { IngestMetrics } from "../../services/IngestMetrics"
import { writeDataPoint } from "./dataPointWriter"

/** Analytics Engine (`overlap_events`): index = metric name; blobs = [name, source, did]; doubles = [value]. Never fails the caller. */
export const IngestMetricsLive: Layer.Layer<IngestMetrics, never, CloudflareEnv> = Layer.effect(
  IngestMetrics,
  Effect.map(CloudflareEnv, (env) =>
    IngestMetrics.of({
      count: (point) =>
        writeDataPoint(env, { indexes: [point.name], blobs: [point.name, point.source, point.did ?? ""], doubles: [point.value] }).pipe(
          Effect.catchAllDefect(() => Effect.void)
        )
    }))
)
