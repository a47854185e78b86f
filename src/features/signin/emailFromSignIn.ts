import { Effect, Schema } from "effect"
import { EmailAddress } from "../../domain/invitation"
import { EmailVerifications } from "../../services/EmailVerifications"
import { NotifySettings } from "../../services/NotifySettings"

/**
 * The e-mail address a sign-in with the `transition:email` scope read from the person's PDS
 * (com.atproto.server.getSession), offered to notifications (docs/notifications.md): stored sealed and
 * **unverified**, and the verification mail queued — the same path as app.overlap.notify.putEmail, so nothing is
 * sent to it before its link is opened. An address the person already set (verified or not) is left alone, and
 * one that is not an address we send to is ignored. Never fails the sign-in: answers what it did.
 */
export const offerSignInEmail = (did: string, email: string | undefined) =>
  Effect.gen(function*() {
    if (email === undefined) return "none" as const
    const address = Schema.decodeUnknownOption(EmailAddress)(email.trim())
    if (address._tag === "None") return "invalid" as const
    const settings = yield* NotifySettings
    const current = yield* settings.get(did)
    if (current.email !== undefined) return "kept" as const
    yield* settings.putEmail(did, address.value)
    yield* Effect.flatMap(EmailVerifications, (v) => v.request(did))
    return "offered" as const
  }).pipe(
    Effect.catchAll((error) => Effect.as(Effect.logWarning("sign-in: the account's e-mail address was not taken into notifications", error), "failed" as const))
  )
