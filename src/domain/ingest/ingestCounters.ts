import { Either, Schema } from "effect"

/** What one ingest source's object has seen: kept with the cursor (they survive restarts), also sent to Analytics. */
export const IngestCounters = Schema.Struct({
  frames: Schema.Number,
  commits: Schema.Number,
  /** commits with at least one app.overlap.* op */
  overlapCommits: Schema.Number,
  enqueued: Schema.Number,
  invalidRecords: Schema.Number,
  rejectedCommits: Schema.Number,
  /** commits parked because they could not be verified for a transient reason (retried by the keep-alive alarm) */
  parkedCommits: Schema.Number,
  /** parked commits verified on a retry and enqueued */
  recoveredCommits: Schema.Number,
  /** events whose rev was not newer than the last one seen for the DID */
  staleEvents: Schema.Number,
  undecodable: Schema.Number,
  tooBig: Schema.Number,
  outdatedCursor: Schema.Number,
  futureCursor: Schema.Number,
  consumerTooSlow: Schema.Number,
  connects: Schema.Number,
  disconnects: Schema.Number,
  enqueueFailures: Schema.Number
})
export interface IngestCounters extends Schema.Schema.Type<typeof IngestCounters> {}

export type IngestCounter = keyof IngestCounters

export const zeroCounters = (): { -readonly [K in IngestCounter]: number } => ({
  frames: 0,
  commits: 0,
  overlapCommits: 0,
  enqueued: 0,
  invalidRecords: 0,
  rejectedCommits: 0,
  parkedCommits: 0,
  recoveredCommits: 0,
  staleEvents: 0,
  undecodable: 0,
  tooBig: 0,
  outdatedCursor: 0,
  futureCursor: 0,
  consumerTooSlow: 0,
  connects: 0,
  disconnects: 0,
  enqueueFailures: 0
})

const decodeStored = Schema.decodeUnknownEither(Schema.parseJson(Schema.partial(IngestCounters)))

/** Counters stored as JSON (any subset of them; a counter added later starts at 0); unreadable JSON starts over at 0. */
export const countersFromJson = (json: string | undefined): { -readonly [K in IngestCounter]: number } => {
  const stored = json === undefined ? Either.right({}) : decodeStored(json)
  return { ...zeroCounters(), ...Either.getOrElse(stored, () => ({})) }
}
