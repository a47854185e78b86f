import { Effect, ParseResult, Schema } from "effect"
import { NotifyPreferences } from "../../../../domain/notify/preferences"
import type { NotifyPutPreferencesInput } from "../../../../lexicon/schemas"
import { NotifySettings } from "../../../../services/NotifySettings"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import { ownSettingsView } from "../../settingsView"

/**
 * app.overlap.notify.putPreferences: replaces the caller's preferences. Shapes and ranges are the lexicon's;
 * duplicates and the zone are checked here; either way a 400 names the field.
 */
export const putPreferences = ({ payload }: { readonly payload: NotifyPutPreferencesInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const preferences = yield* Schema.decodeUnknown(NotifyPreferences)(payload).pipe(
      Effect.mapError((e) => {
        const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
        return new InvalidRequest({ message: `${issue?.path.join(".") || "preferences"}: ${issue?.message.slice(0, 200) ?? "invalid"}` })
      })
    )
    const settings = yield* NotifySettings
    yield* settings.putPreferences(caller.did, preferences).pipe(Effect.orDie)
    return yield* ownSettingsView(caller.did)
  })
