import type { Effect } from "effect"
import { Context } from "effect"

/** One ingest metric point: what happened, at which source, how many times. */
export interface IngestPoint {
  /** e.g. "events.enqueued", "records.invalid", "commits.rejected", "index.applied", "drift.missing" */
  readonly name: string
  readonly source: string
  readonly value: number
  readonly did?: string | undefined
}

/** Ingest and index counters (Live: Workers Analytics Engine, src/adapters/analytics/IngestMetricsLive.ts). Never fails the caller. */
export class IngestMetrics extends Context.Tag("overlap/IngestMetrics")<IngestMetrics, {
  readonly count: (point: IngestPoint) => Effect.Effect<void>
}>() {}
