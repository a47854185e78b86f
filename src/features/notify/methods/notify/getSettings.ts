import { Effect } from "effect"
import { Caller } from "../../../xrpc/Caller"
import { ownSettingsView } from "../../settingsView"

/**
 * app.overlap.notify.getSettings: the caller's own address and preferences, and nobody else's. A value sealed under a
 * retired vault key is listed in `unreadable` (200, never a 500), so the person can enter it again.
 */
export const getSettings = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    return yield* ownSettingsView(caller.did)
  })
