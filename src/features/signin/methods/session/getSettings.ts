import { Effect } from "effect"
import { AccountSettings } from "../../../../services/AccountSettings"
import { Caller } from "../../../xrpc/Caller"

/** app.overlap.session.getSettings: the caller's own settings and whether they must sign in again. */
export const getSettings = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    return yield* Effect.flatMap(AccountSettings, (settings) => settings.get(caller.did))
  })
