import { Schema } from "effect"
import type { Backoff } from "../backoff"

/**
 * The messages of the `calendar-tasks` queue, one union: every producer sends a `CalendarTask` through
 * `CalendarTaskQueue` (src/services/CalendarTaskQueue.ts) and the consumer (src/features/calendarTasks.ts) decodes
 * each message once and handles every `kind`.
 */

/**
 * Continues a pending match (providers were rate-limited or slower than the budget). The token names the host
 * object and the match, so a redelivery only re-asks the object, which does nothing once the match has finished.
 */
export const MatchTask = Schema.Struct({
  kind: Schema.Literal("match"),
  token: Schema.String
})
export type MatchTask = typeof MatchTask.Type

/**
 * A push notification or the CalDAV poll: "something changed on this connector's calendar". The consumer
 * re-checks every hold and booking that touches it. `idempotencyKey` is the same for a redelivered
 * notification, so a retry is harmless.
 */
export const CalendarChanged = Schema.Struct({
  kind: Schema.Literal("calendar-changed"),
  did: Schema.String,
  connectorId: Schema.String,
  /** google / microsoft from push notifications; caldav from the refresh-oauth cron's sync-collection poll. */
  provider: Schema.Literal("google", "microsoft", "caldav"),
  idempotencyKey: Schema.String
})
export type CalendarChanged = typeof CalendarChanged.Type

/**
 * A guest wrote an `app.overlap.bookingRequest` record: the indexer asks for the same match as the XRPC `match`
 * call. A retried index message may send it again; the consumer treats a repeat as harmless.
 */
export const MatchRequestTask = Schema.Struct({
  kind: Schema.Literal("match-request"),
  /** at:// URI of the indexed request (booking_requests.uri) */
  requestUri: Schema.String.pipe(Schema.startsWith("at://"))
})
export type MatchRequestTask = typeof MatchRequestTask.Type

/**
 * The network reported an account deleted (a firehose `#account` event with status `deleted`): the AppView deletes
 * everything Overlap keeps about it, as `app.overlap.account.deleteAccount` does (src/features/account). Idempotent,
 * so a redelivery is harmless.
 */
export const AccountDeletedTask = Schema.Struct({
  kind: Schema.Literal("account-deleted"),
  did: Schema.String.pipe(Schema.startsWith("did:"))
})
export type AccountDeletedTask = typeof AccountDeletedTask.Type

export const CalendarTask = Schema.Union(MatchTask, CalendarChanged, MatchRequestTask, AccountDeletedTask)
export type CalendarTask = typeof CalendarTask.Type

/** A calendar task that failed for a passing reason is retried after 10 s, 20 s, 40 s … at most 10 min. */
export const calendarTaskRetry: Backoff = { base: 10, cap: 600 }
