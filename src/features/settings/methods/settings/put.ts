import { Effect, Either, Option } from "effect"
import { validateSettings } from "../../../../domain/settings/hostSettings"
import type { SettingsDefsSettings } from "../../../../lexicon/schemas"
import { HostSettingsRepo } from "../../../../services/HostSettingsRepo"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import { settingsView } from "../../settingsView"

/**
 * app.overlap.settings.put: replaces the caller's rules and date overrides as a whole. Ranges are checked by
 * the lexicon, dates, zones and order here; either way a 400 names the field.
 */
export const put = ({ payload }: { readonly payload: SettingsDefsSettings }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const valid = validateSettings(payload)
    if (Either.isLeft(valid)) return yield* new InvalidRequest({ message: `${valid.left.field}: ${valid.left.reason}` })
    const repo = yield* HostSettingsRepo
    const stored = yield* repo.put(caller.did, valid.right).pipe(Effect.orDie)
    return settingsView(Option.some(stored))
  })
