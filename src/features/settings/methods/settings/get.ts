import { Effect } from "effect"
import type { SettingsGetParams } from "../../../../lexicon/schemas"
import { HostSettingsRepo } from "../../../../services/HostSettingsRepo"
import { Caller } from "../../../xrpc/Caller"
import { NotOwner } from "../../SettingsApi"
import { settingsView } from "../../settingsView"

/** app.overlap.settings.get: the caller's own rules and date overrides; anyone else's is refused. */
export const get = ({ urlParams }: { readonly urlParams: SettingsGetParams }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    if (urlParams.host !== undefined && urlParams.host !== caller.did) {
      return yield* new NotOwner({ message: "host: settings are read by their owner only" })
    }
    const repo = yield* HostSettingsRepo
    return settingsView(yield* repo.get(caller.did).pipe(Effect.orDie))
  })
