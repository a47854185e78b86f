import type { Effect } from "effect"
import { Context } from "effect"
import { ApiError } from "./ApiError"

/**
 * Why an account is deleted: its owner asked (`app.overlap.account.delete`), or the network reported it deleted
 * (a firehose `#account` event with status `deleted`). A network deletion also leaves the DID marked deleted in
 * `users` (no other column), so the indexer skips the account's records if an old event is redelivered.
 */
export type DeletionCause = "owner" | "network"

/** What one deletion removed (a repeated deletion answers zeros). */
export interface DeletionReport {
  readonly did: string
  readonly deletedAt: number
  /** Matches still pending (app.overlap.match answered 202, not yet held), as guest or host: stopped. */
  readonly canceledMatches: number
  /** Meetings and holds still ahead that were canceled (or, as their host, declined), each with a notice. */
  readonly canceledMeetings: number
  readonly removedConnectors: number
  readonly removedExports: number
  readonly removedCacheEntries: number
  readonly removedRows: number
}

/** A store or an object could not be reached mid-way: nothing is lost, the deletion is idempotent, retry (503). */
export class AccountDeletionUnavailable extends ApiError<AccountDeletionUnavailable>()("AccountDeletionUnavailable", 503) {}

/**
 * Deletes everything Overlap keeps about a person (docs/operations.md, "Account data"), by the user-data registry
 * (src/domain/account/userData.ts). Implemented by the account feature (src/features/account/deleteAccount.ts);
 * the AppView's XRPC method and its `calendar-tasks` consumer (network deletions) call it.
 */
export class AccountDeletion extends Context.Tag("overlap/AccountDeletion")<AccountDeletion, {
  readonly deleteAccount: (did: string, cause: DeletionCause) => Effect.Effect<DeletionReport, AccountDeletionUnavailable>
}>() {}
