import { Effect, Either, Schema } from "effect"
import { match } from "ts-pattern"
import { backoffDelay } from "../domain/backoff"
import { CalendarTask, calendarTaskRetry, type MatchTask } from "../domain/calendar/calendarTask"
import { HoldStore } from "../services/HoldStore"
import { handleAccountDeleted } from "./account/accountDeletedTask"
import { handleCalendarChanged } from "./connectors/calendarChanged"
import { handleMatchRequest } from "./matching/matchRequestTask"

/**
 * The `calendar-tasks` consumer (AppView). Each message is decoded once into a `CalendarTask`
 * (src/domain/calendar/calendarTask.ts) and handled by its `kind`:
 * - `match`: continue a pending match (`HoldStore.resumeMatch`). The host object re-queues the task itself
 *   while providers stay rate-limited, so the message is acked whatever the status; only a failure of the
 *   hold store is retried (with backoff), and a token the object does not know is acked (stale).
 * - `calendar-changed` (push notifications, the CalDAV poll): re-check the user's holds (connectors/calendarChanged.ts).
 * - `match-request` (an indexed bookingRequest): tier check, match and hold, request `held` / `declined`
 *   (matching/matchRequestTask.ts).
 * - `account-deleted` (the network deleted an account): delete everything of it (account/accountDeletedTask.ts).
 * A message that does not decode (malformed, or a kind no handler knows) is retried, so it ends in the
 * dead-letter queue rather than being dropped.
 */

const decodeTask = Schema.decodeUnknownEither(CalendarTask)

const retryDelaySeconds = (attempts: number) => backoffDelay(calendarTaskRetry, attempts)

/** The message with its decoded body, for the handlers. */
const withBody = <T>(message: Message<unknown>, body: T): Message<T> => ({
  id: message.id,
  timestamp: message.timestamp,
  attempts: message.attempts,
  body,
  ack: () => message.ack(),
  retry: (options) => message.retry(options)
})

const handleMatch = (message: Message<MatchTask>) =>
  Effect.gen(function*() {
    const holds = yield* HoldStore
    yield* holds.resumeMatch(message.body.token).pipe(
      Effect.matchEffect({
        onSuccess: () => Effect.sync(() => message.ack()),
        onFailure: (error) =>
          error._tag === "MatchNotFound"
            ? Effect.sync(() => message.ack())
            : Effect.logWarning("calendar-tasks: match could not continue; retrying", { error: error.message }).pipe(
              Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }))
            )
      })
    )
  })

type CalendarTaskServices =
  | HoldStore
  | Effect.Effect.Context<ReturnType<typeof handleCalendarChanged>>
  | Effect.Effect.Context<ReturnType<typeof handleMatchRequest>>
  | Effect.Effect.Context<ReturnType<typeof handleAccountDeleted>>

const handleMessage = (message: Message<unknown>): Effect.Effect<void, never, CalendarTaskServices> => {
  const decoded = decodeTask(message.body)
  if (Either.isLeft(decoded)) {
    return Effect.logWarning("calendar-tasks: undecodable message; retrying toward the dead-letter queue", {
      id: message.id,
      error: decoded.left.message.slice(0, 500)
    }).pipe(Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })))
  }
  return match(decoded.right)
    .with({ kind: "match" }, (task) => handleMatch(withBody(message, task)))
    .with({ kind: "calendar-changed" }, (task) => handleCalendarChanged(withBody(message, task)))
    .with({ kind: "match-request" }, (task) => handleMatchRequest(withBody(message, task), retryDelaySeconds))
    .with({ kind: "account-deleted" }, (task) => handleAccountDeleted(withBody(message, task), retryDelaySeconds))
    .exhaustive()
}

export const calendarTaskBatch = (batch: MessageBatch<unknown>): Effect.Effect<void, never, CalendarTaskServices> =>
  Effect.forEach(batch.messages, handleMessage, { concurrency: 5, discard: true })
