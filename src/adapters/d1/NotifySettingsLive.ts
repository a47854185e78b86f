import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Schema } from "effect"
import { DEFAULT_PREFERENCES, NotifyPreferences } from "../../domain/notify/preferences"
import { notifySettingBinding } from "../../services/NotifySealedValues"
import { NotifySettings, type OpenedSetting, type StoredEmail } from "../../services/NotifySettings"
import { orRepositoryError, RepositoryError } from "../../services/RepositoryError"
import { retiredKeyOf, TokenVault } from "../../services/TokenVault"

// D1Live hands rows back with camelCase names
const Row = Schema.Struct({
  emailCiphertext: Schema.NullOr(Schema.String),
  emailVerifiedAt: Schema.NullOr(Schema.Int),
  preferencesCiphertext: Schema.NullOr(Schema.String)
})
const decodeRows = Schema.decodeUnknown(Schema.Array(Row))
const decodeExportRows = Schema.decodeUnknown(Schema.Array(Schema.Struct({ ...Row.fields, updatedAt: Schema.Int })))
const PreferencesJson = Schema.parseJson(NotifyPreferences)

const binding = notifySettingBinding

/** NotifySettings over the `notify_settings` D1 table, every value sealed by the TokenVault. */
export const NotifySettingsLive: Layer.Layer<NotifySettings, never, SqlClient.SqlClient | TokenVault> = Layer.effect(
  NotifySettings,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const vault = yield* TokenVault

    const seal = (did: string, what: "email" | "preferences", plaintext: string) =>
      vault.encrypt(plaintext, binding(did, what)).pipe(orRepositoryError(`NotifySettings.seal.${what}`))
    const open = (did: string, what: "email" | "preferences", ciphertext: string) =>
      vault.decrypt(ciphertext, binding(did, what)).pipe(orRepositoryError(`NotifySettings.open.${what}`))

    const row = (did: string) =>
      sql`SELECT email_ciphertext, email_verified_at, preferences_ciphertext FROM notify_settings WHERE did = ${did}`.pipe(
        Effect.flatMap(decodeRows),
        Effect.map((rows) => rows[0]),
        orRepositoryError("NotifySettings.get")
      )

    const emailOf = (did: string) =>
      Effect.flatMap(row(did), (r) =>
        r?.emailCiphertext == null
          ? Effect.succeed(undefined)
          : Effect.map(open(did, "email", r.emailCiphertext), (address): StoredEmail => ({ address, verifiedAt: r.emailVerifiedAt })))

    // for the owner's export: a value whose key was retired or that does not open is unreadable, not a failure
    const openForExport = <A>(did: string, what: "email" | "preferences", ciphertext: string, decode: (plaintext: string) => Effect.Effect<A, unknown>) =>
      vault.decrypt(ciphertext, binding(did, what)).pipe(
        Effect.flatMap((plaintext) => Effect.either(decode(plaintext))),
        Effect.map((decoded): OpenedSetting<A> => decoded._tag === "Right" ? { readable: true, value: decoded.right } : { readable: false }),
        Effect.catchIf(
          (error) => error._tag === "VaultDecryptFailed" || retiredKeyOf(error) !== undefined,
          (): Effect.Effect<OpenedSetting<A>> => Effect.succeed({ readable: false })
        ),
        orRepositoryError(`NotifySettings.getForExport.${what}`)
      )

    return NotifySettings.of({
      getForExport: (did) =>
        Effect.gen(function*() {
          const rows = yield* sql`
            SELECT email_ciphertext, email_verified_at, preferences_ciphertext, updated_at FROM notify_settings WHERE did = ${did}`.pipe(
            Effect.flatMap(decodeExportRows),
            orRepositoryError("NotifySettings.getForExport")
          )
          const r = rows[0]
          if (r === undefined) return { email: undefined, preferences: undefined, updatedAt: undefined }
          const email = r.emailCiphertext === null
            ? undefined
            : { address: yield* openForExport(did, "email", r.emailCiphertext, Effect.succeed), verifiedAt: r.emailVerifiedAt }
          const preferences = r.preferencesCiphertext === null
            ? undefined
            : yield* openForExport(did, "preferences", r.preferencesCiphertext, Schema.decode(PreferencesJson))
          return { email, preferences, updatedAt: r.updatedAt }
        }),

      get: (did) =>
        Effect.gen(function*() {
          const r = yield* row(did)
          const email = r?.emailCiphertext == null
            ? undefined
            : { address: yield* open(did, "email", r.emailCiphertext), verifiedAt: r.emailVerifiedAt }
          const preferences = r?.preferencesCiphertext == null
            ? DEFAULT_PREFERENCES
            : yield* open(did, "preferences", r.preferencesCiphertext).pipe(
              Effect.flatMap(Schema.decode(PreferencesJson)),
              Effect.mapError((cause) => new RepositoryError({ operation: "NotifySettings.get.preferences", cause }))
            )
          return { email, preferences }
        }),

      putEmail: (did, address) =>
        Effect.gen(function*() {
          const sealed = yield* seal(did, "email", address)
          const now = yield* Clock.currentTimeMillis
          yield* sql`
            INSERT INTO notify_settings (did, email_ciphertext, email_key_id, email_verified_at, updated_at)
            VALUES (${did}, ${sealed.ciphertext}, ${sealed.keyId}, NULL, ${now})
            ON CONFLICT (did) DO UPDATE SET
              email_ciphertext = excluded.email_ciphertext,
              email_key_id = excluded.email_key_id,
              email_verified_at = NULL,
              updated_at = excluded.updated_at`.pipe(orRepositoryError("NotifySettings.putEmail"))
        }),

      verifyEmail: (did, address) =>
        Effect.gen(function*() {
          const current = yield* emailOf(did)
          if (current === undefined || current.address !== address) return false
          if (current.verifiedAt !== null) return true
          const now = yield* Clock.currentTimeMillis
          // Only the same ciphertext that was read: an address replaced meanwhile stays unverified.
          const sealedNow = (yield* row(did))?.emailCiphertext
          if (sealedNow == null) return false
          const updated = yield* sql`
            UPDATE notify_settings SET email_verified_at = ${now}, updated_at = ${now}
            WHERE did = ${did} AND email_ciphertext = ${sealedNow} RETURNING did`.pipe(orRepositoryError("NotifySettings.verifyEmail"))
          return updated.length === 1
        }),

      deleteEmail: (did) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const updated = yield* sql`
            UPDATE notify_settings SET email_ciphertext = NULL, email_key_id = NULL, email_verified_at = NULL, updated_at = ${now}
            WHERE did = ${did} AND email_ciphertext IS NOT NULL RETURNING did`.pipe(orRepositoryError("NotifySettings.deleteEmail"))
          return updated.length === 1
        }),

      putPreferences: (did, preferences) =>
        Effect.gen(function*() {
          const json = yield* Schema.encode(PreferencesJson)(preferences).pipe(orRepositoryError("NotifySettings.putPreferences"))
          const sealed = yield* seal(did, "preferences", json)
          const now = yield* Clock.currentTimeMillis
          yield* sql`
            INSERT INTO notify_settings (did, preferences_ciphertext, preferences_key_id, updated_at)
            VALUES (${did}, ${sealed.ciphertext}, ${sealed.keyId}, ${now})
            ON CONFLICT (did) DO UPDATE SET
              preferences_ciphertext = excluded.preferences_ciphertext,
              preferences_key_id = excluded.preferences_key_id,
              updated_at = excluded.updated_at`.pipe(orRepositoryError("NotifySettings.putPreferences"))
        })
    })
  })
)
