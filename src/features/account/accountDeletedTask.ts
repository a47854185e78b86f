import { Effect } from "effect"
import type { AccountDeletedTask } from "../../domain/calendar/calendarTask"
import { AccountDeletion } from "../../services/AccountDeletion"

/**
 * `calendar-tasks` `account-deleted` (the indexer saw a firehose `#account` event with status `deleted` or `takendown`): the same
 * deletion as app.overlap.account.deleteAccount, for the network's reason — the DID stays in `users` as `deleted` so
 * the indexer skips its records. Acked when done; retried with backoff while a store is unreachable (the deletion is
 * idempotent), so it ends in the dead-letter queue rather than being lost.
 */
export const handleAccountDeleted = (message: Message<AccountDeletedTask>, retryDelaySeconds: (attempts: number) => number) =>
  Effect.flatMap(AccountDeletion, (deletion) => deletion.deleteAccount(message.body.did, "network")).pipe(
    Effect.matchEffect({
      onSuccess: () => Effect.sync(() => message.ack()),
      onFailure: (error) =>
        Effect.logWarning("calendar-tasks: account deletion could not finish; retrying", { error: error.message }).pipe(
          Effect.andThen(() => message.retry({ delaySeconds: retryDelaySeconds(message.attempts) }))
        )
    })
  )
