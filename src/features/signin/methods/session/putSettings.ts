import { Effect } from "effect"
import type { SessionPutSettingsInput } from "../../../../lexicon/schemas"
import { AccountSettings } from "../../../../services/AccountSettings"
import { Caller } from "../../../xrpc/Caller"

/** app.overlap.session.putSettings: the caller sets their own settings (publishing meetings is off until they turn it on). */
export const putSettings = ({ payload }: { readonly payload: SessionPutSettingsInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    return yield* Effect.flatMap(AccountSettings, (settings) => settings.setPublishMeetings(caller.did, payload.publishMeetings))
  })
