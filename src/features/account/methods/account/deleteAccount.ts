import { Effect } from "effect"
import type { AccountDeleteAccountInput } from "../../../../lexicon/schemas"
import { AccountDeletion } from "../../../../services/AccountDeletion"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"

/**
 * app.overlap.account.deleteAccount: the caller deletes their own account (only ever theirs: the DID is the verified
 * caller's). `confirm` must be that DID typed out, so a stray or replayed call with an empty body deletes nothing.
 */
export const deleteAccount = ({ payload }: { readonly payload: AccountDeleteAccountInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    if (payload.confirm.trim() !== caller.did) {
      return yield* new InvalidRequest({ message: "confirm: must be your own DID, typed out, to delete your account" })
    }
    const report = yield* (yield* AccountDeletion).deleteAccount(caller.did, "owner")
    return {
      did: report.did,
      deletedAt: new Date(report.deletedAt).toISOString(),
      canceledMatches: report.canceledMatches,
      canceledMeetings: report.canceledMeetings,
      removedConnectors: report.removedConnectors,
      removedExports: report.removedExports,
      removedRows: report.removedRows
    }
  })
