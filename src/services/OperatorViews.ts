import type { Effect } from "effect"
import { Context } from "effect"
import type { RepositoryError } from "./RepositoryError"

/** How many rows have one value of a column (a booking status, a connector provider). */
export interface CountBy {
  readonly key: string
  readonly count: number
}

/** A firehose source's saved cursor and when it last moved. */
export interface SourceCursor {
  readonly source: string
  readonly cursor: number
  readonly updatedAt: number
}

/** Live holds: bookings held and not yet expired; and those past their expiry the sweep has not reached. */
export interface HoldCounts {
  readonly live: number
  readonly overdue: number
}

/**
 * The aggregate reads the operator console shows. Counts and cursors only: never a token, an account address, a
 * busy time or a person's calendar.
 */
export class OperatorViews extends Context.Tag("overlap/OperatorViews")<OperatorViews, {
  readonly bookingsByState: () => Effect.Effect<ReadonlyArray<CountBy>, RepositoryError>
  readonly holds: (now: number) => Effect.Effect<HoldCounts, RepositoryError>
  /** Connectors in status `broken`, per provider. */
  readonly brokenConnectors: () => Effect.Effect<ReadonlyArray<CountBy>, RepositoryError>
  readonly sourceCursors: () => Effect.Effect<ReadonlyArray<SourceCursor>, RepositoryError>
}>() {}
