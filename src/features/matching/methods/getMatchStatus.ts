import { Effect } from "effect"
import type { GetMatchStatusParams } from "../../../lexicon/schemas"
import { HoldStore } from "../../../services/HoldStore"
import { Caller } from "../../xrpc/Caller"
import { holdView } from "../matchingViews"

/** app.overlap.getMatchStatus: how a pending match (202 from `match`) is doing, for its guest or host. */
export const getMatchStatus = ({ urlParams }: { readonly urlParams: GetMatchStatusParams }) =>
  Effect.gen(function*() {
    const holds = yield* HoldStore
    const caller = yield* Caller
    const status = yield* holds.getMatchStatus(urlParams.token, caller.did).pipe(Effect.catchTag("HoldStoreError", Effect.die))
    switch (status._tag) {
      case "pending":
        return { status: "pending" as const, retryAfterSec: status.retryAfterSec }
      case "held":
        return { status: "held" as const, hold: holdView(status.hold) }
      case "failed":
        return { status: "failed" as const, failure: status.failure }
    }
  })
