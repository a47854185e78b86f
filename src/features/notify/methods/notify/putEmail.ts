import { Effect, ParseResult, Schema } from "effect"
import { EmailAddress } from "../../../../domain/invitation"
import type { NotifyPutEmailInput } from "../../../../lexicon/schemas"
import { EmailVerifications } from "../../../../services/EmailVerifications"
import { NotifySettings } from "../../../../services/NotifySettings"
import { Caller } from "../../../xrpc/Caller"
import { InvalidRequest } from "../../../xrpc/XrpcErrors"
import { ownSettingsView } from "../../settingsView"

/**
 * app.overlap.notify.putEmail: stores the caller's address sealed and unverified, and queues the message with
 * the one-time link that verifies it. Nothing else is sent to it until that link is opened.
 */
export const putEmail = ({ payload }: { readonly payload: NotifyPutEmailInput }) =>
  Effect.gen(function*() {
    const caller = yield* Caller
    const address = yield* Schema.decodeUnknown(EmailAddress)(payload.email.trim()).pipe(
      Effect.mapError((e) =>
        new InvalidRequest({ message: `email: ${ParseResult.ArrayFormatter.formatErrorSync(e)[0]?.message.slice(0, 200) ?? "not an address"}` })
      )
    )
    const settings = yield* NotifySettings
    yield* settings.putEmail(caller.did, address).pipe(Effect.orDie)
    yield* Effect.flatMap(EmailVerifications, (v) => v.request(caller.did)).pipe(Effect.orDie)
    return yield* ownSettingsView(caller.did)
  })
