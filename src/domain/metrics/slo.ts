/**
 * Service level objectives and their error budgets (docs/operations.md, "SLOs"). An objective says which share of
 * valid events must be good over the window; the budget is the share allowed to be bad, and what is left of it is
 * `1 − bad / (valid × (1 − target))` (negative when overspent).
 */
export interface Objective {
  readonly id: "match_success" | "availability" | "ingest_lag"
  readonly title: string
  /** The share of valid events that must be good, e.g. 0.99. */
  readonly target: number
  readonly description: string
}

/** Latency thresholds of the two latency objectives. */
export const AVAILABILITY_THRESHOLD_MS = 300
export const INGEST_LAG_THRESHOLD_MS = 5_000

export const OBJECTIVES: ReadonlyArray<Objective> = [
  {
    id: "match_success",
    title: "Match success ≥ 99 %",
    target: 0.99,
    description: "of matches (policy refusals aside) end in a hold, a pending token or 'no common time', not an error"
  },
  {
    id: "availability",
    title: `Availability: p95 ≤ ${AVAILABILITY_THRESHOLD_MS} ms`,
    target: 0.95,
    description: `of XRPC requests are answered without a 5xx within ${AVAILABILITY_THRESHOLD_MS} ms (so p95 ≤ ${AVAILABILITY_THRESHOLD_MS} ms)`
  },
  {
    id: "ingest_lag",
    title: `Ingest lag: p99 ≤ ${INGEST_LAG_THRESHOLD_MS / 1000} s`,
    target: 0.99,
    description: `of ingest lag reports are within ${INGEST_LAG_THRESHOLD_MS / 1000} s of the event's time (so p99 ≤ ${INGEST_LAG_THRESHOLD_MS / 1000} s)`
  }
]

export interface SloStatus {
  readonly objective: Objective
  readonly valid: number
  readonly good: number
  /** good / valid; undefined with no valid events. */
  readonly attained: number | undefined
  /** Share of the error budget left: 1 = untouched, 0 = spent, < 0 = overspent; undefined with no valid events. */
  readonly budgetLeft: number | undefined
  readonly met: boolean | undefined
}

/** The objective's standing from its counts over the window. */
export const sloStatus = (objective: Objective, valid: number, good: number): SloStatus => {
  if (!(valid > 0)) return { objective, valid: 0, good: 0, attained: undefined, budgetLeft: undefined, met: undefined }
  const goodClamped = Math.min(Math.max(good, 0), valid)
  const bad = valid - goodClamped
  const allowed = valid * (1 - objective.target)
  const attained = goodClamped / valid
  return {
    objective,
    valid,
    good: goodClamped,
    attained,
    budgetLeft: allowed > 0 ? 1 - bad / allowed : bad === 0 ? 1 : -Infinity,
    met: attained >= objective.target
  }
}
