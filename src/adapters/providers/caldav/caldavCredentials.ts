import { Schema } from "effect"

/**
 * What a CalDAV connector keeps sealed by TokenVault in `connectors.token_ciphertext`: the username and
 * the app password, as one JSON string. The server URL is not secret: it is `connectors.account_ref`, and
 * the chosen calendars are `connectors.calendars`.
 */
export const CaldavSecret = Schema.Struct({
  username: Schema.NonEmptyTrimmedString,
  password: Schema.NonEmptyString
})
export type CaldavSecret = typeof CaldavSecret.Type

/** `TokenVault.encrypt(Schema.encodeSync(CaldavSecretJson)(secret), binding)` and back with decodeUnknown. */
export const CaldavSecretJson = Schema.parseJson(CaldavSecret)
