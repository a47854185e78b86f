import { Effect, Schema } from "effect"
import { CloudflareEnv } from "../../platform/CloudflareEnv"

/**
 * HOOK for the matching path (issue #3): a guest who writes an `app.overlap.bookingRequest` record gets the
 * same match as the XRPC `match` call. The indexer calls `enqueueMatchForBookingRequest` once a new pending
 * request is indexed; the `calendar-tasks` consumer's `match-request` branch (HoldStore / HostMatchDO) takes it
 * from there. Consumers must treat a repeat as harmless: a retried index message may enqueue it again.
 */
export const MatchRequestTask = Schema.Struct({
  kind: Schema.Literal("match-request"),
  /** at:// URI of the indexed request (booking_requests.uri) */
  requestUri: Schema.String.pipe(Schema.startsWith("at://"))
})
export type MatchRequestTask = typeof MatchRequestTask.Type

export class MatchEnqueueFailed extends Schema.TaggedError<MatchEnqueueFailed>()("MatchEnqueueFailed", {
  requestUri: Schema.String,
  cause: Schema.Defect
}) {}

export const enqueueMatchForBookingRequest = (requestUri: string): Effect.Effect<void, MatchEnqueueFailed, CloudflareEnv> =>
  Effect.flatMap(CloudflareEnv, (env) =>
    Effect.tryPromise({
      try: () => env.CALENDAR_TASKS.send({ kind: "match-request", requestUri } satisfies MatchRequestTask, { contentType: "json" }),
      catch: (cause) => new MatchEnqueueFailed({ requestUri, cause })
    }))
