import type { Effect } from "effect"
import { Context } from "effect"

/** One worker's /healthz answer as the console shows it. */
export interface WorkerHealthReport {
  readonly worker: string
  readonly ok: boolean
  /** HTTP status, or 0 when the worker did not answer. */
  readonly status: number
  /** Binding name → status from /healthz, or the error when there was no answer. */
  readonly bindings: Readonly<Record<string, string>>
  readonly error?: string
}

/** The /healthz of every Overlap worker, asked now (never cached). */
export class WorkerHealth extends Context.Tag("overlap/WorkerHealth")<WorkerHealth, {
  readonly all: () => Effect.Effect<ReadonlyArray<WorkerHealthReport>>
}>() {}
