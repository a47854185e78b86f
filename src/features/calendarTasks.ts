import { Effect, Schema } from "effect"
import { MatchTask } from "../domain/holds/matchTask"
import { HoldStore } from "../services/HoldStore"
import { handleCalendarChanged } from "./connectors/calendarChanged"
import { handleMatchRequest } from "./matching/matchRequestTask"

/**
 * The `calendar-tasks` consumer (AppView). Messages are dispatched by `kind`:
 * - `match`: continue a pending match (`HoldStore.resumeMatch`). The host object re-queues the task itself
 *   while providers stay rate-limited, so the message is acked whatever the status; only a failure of the
 *   hold store is retried (with backoff), and a token the object does not know is acked (stale).
 * - `calendar-changed` (push notifications, the CalDAV poll): re-check the user's holds (jobs/calendarChanged.ts).
 * - `match-request` (an indexed bookingRequest): tier check, match and hold, request `held` / `declined`
 *   (jobs/matchRequestTask.ts).
 * - any other kind has no handler here: it is retried, so it ends in the dead-letter queue rather than being
 *   dropped.
 */

const Kinded = Schema.Struct({ kind: Schema.String })
const decodeKind = Schema.decodeUnknownOption(Kinded)
const decodeMatchTask = Schema.decodeUnknownEither(MatchTask)

/** Backoff for retryable failures: 10 s, 20 s, 40 s … capped at 10 min. */
const retryDelaySeconds = (attempts: number) => Math.min(600, 10 * 2 ** Math.max(0, attempts - 1))

const handleMatch = (message: Message<unknown>) =>
  Effect.gen(function*() {
    const task = decodeMatchTask(message.body)
    if (task._tag === "Left") {
      yield* Effect.logWarning("calendar-tasks: malformed match task", { id: message.id })
      return message.retry()
    }
    const holds = yield* HoldStore
    yield* holds.resumeMatch(task.right.token).pipe(
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

export const calendarTaskBatch = (batch: MessageBatch<unknown>): Effect.Effect<void, never, CalendarTaskServices> =>
  Effect.forEach(batch.messages, (message): Effect.Effect<void, never, CalendarTaskServices> => {
    const kind = decodeKind(message.body)
    if (kind._tag === "Some" && kind.value.kind === "match") return handleMatch(message)
    if (kind._tag === "Some" && kind.value.kind === "calendar-changed") return handleCalendarChanged(message)
    if (kind._tag === "Some" && kind.value.kind === "match-request") return handleMatchRequest(message, retryDelaySeconds)
    return Effect.logWarning("calendar-tasks: no handler for this kind yet; retrying toward the dead-letter queue", {
      kind: kind._tag === "Some" ? kind.value.kind : "(none)"
    }).pipe(Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })))
  }, { concurrency: 5, discard: true })
