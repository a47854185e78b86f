import { Effect } from "effect"
import { NotifySettings } from "../../../../services/NotifySettings"
import { Caller } from "../../../xrpc/Caller"
import { settingsView } from "../../settingsView"

/** app.overlap.notify.getSettings: the caller's own address and preferences, and nobody else's. */
export const getSettings = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const settings = yield* NotifySettings
    return settingsView(yield* settings.get(caller.did).pipe(Effect.orDie))
  })
