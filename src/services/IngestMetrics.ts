import { Context, Effect, Layer, Ref } from "effect"
import { CloudflareEnv } from "../platform/CloudflareEnv"

/** One ingest metric point: what happened, at which source, how many times. */
export interface IngestPoint {
  /** e.g. "events.enqueued", "records.invalid", "commits.rejected", "index.applied", "drift.missing" */
  readonly name: string
  readonly source: string
  readonly value: number
  readonly did?: string | undefined
}

/** The points `IngestMetrics.Test` recorded. */
export class IngestMetricsLog extends Context.Tag("overlap/IngestMetricsLog")<
  IngestMetricsLog,
  Ref.Ref<ReadonlyArray<IngestPoint>>
>() {}

/** Ingest and index counters, written to Workers Analytics Engine (`overlap_events`). */
export class IngestMetrics extends Context.Tag("overlap/IngestMetrics")<IngestMetrics, {
  readonly count: (point: IngestPoint) => Effect.Effect<void>
}>() {
  /** Analytics Engine: index = metric name; blobs = [name, source, did]; doubles = [value]. Never fails the caller. */
  static Live: Layer.Layer<IngestMetrics, never, CloudflareEnv> = Layer.effect(
    this,
    Effect.map(CloudflareEnv, (env) =>
      IngestMetrics.of({
        count: (point) =>
          Effect.sync(() =>
            env.ANALYTICS?.writeDataPoint({
              indexes: [point.name],
              blobs: [point.name, point.source, point.did ?? ""],
              doubles: [point.value]
            })
          ).pipe(Effect.catchAllDefect(() => Effect.void))
      })
    )
  )

  /** In memory, readable through `IngestMetricsLog`. */
  static Test: Layer.Layer<IngestMetrics | IngestMetricsLog> = Layer.effect(
    this,
    Effect.map(IngestMetricsLog, (log) => IngestMetrics.of({ count: (point) => Ref.update(log, (points) => [...points, point]) }))
  ).pipe(Layer.provideMerge(Layer.effect(IngestMetricsLog, Ref.make<ReadonlyArray<IngestPoint>>([]))))
}

/** Sum of a metric's values in a log. */
export const totalOf = (points: ReadonlyArray<IngestPoint>, name: string): number =>
  points.filter((p) => p.name === name).reduce((sum, p) => sum + p.value, 0)
