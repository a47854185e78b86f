import { Effect } from "effect"
import { NotifySettings } from "../../../../services/NotifySettings"
import { Caller } from "../../../xrpc/Caller"
import { ownSettingsView } from "../../settingsView"

/** app.overlap.notify.deleteEmail: removes the caller's address in one call; no e-mail from then on. */
export const deleteEmail = () =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const settings = yield* NotifySettings
    yield* settings.deleteEmail(caller.did).pipe(Effect.orDie)
    return yield* ownSettingsView(caller.did)
  })
