import type { Effect } from "effect"
import { Context } from "effect"
import type { NotifyPreferences } from "../domain/notify/preferences"
import type { RepositoryError } from "./RepositoryError"

/** A person's e-mail address as its owner sees it. Nothing is sent to it until `verifiedAt` is set. */
export interface StoredEmail {
  readonly address: string
  readonly verifiedAt: number | null
}

/** Everything a person set about notifications (defaults applied where they set nothing). */
export interface NotifySettingsView {
  readonly email: StoredEmail | undefined
  readonly preferences: NotifyPreferences
}

/** One sealed value as its owner's export sees it: opened, or "unreadable" (its vault key is gone, or it does not open). */
export type OpenedSetting<A> = { readonly readable: true; readonly value: A } | { readonly readable: false }

/**
 * A person's notification settings for their own export: each sealed value opened on its own, so one whose key was
 * retired is reported as unreadable while the rest still show. `preferences` undefined: never set (the defaults apply).
 */
export interface NotifySettingsExport {
  readonly email: { readonly address: OpenedSetting<string>; readonly verifiedAt: number | null } | undefined
  readonly preferences: OpenedSetting<NotifyPreferences> | undefined
  readonly updatedAt: number | undefined
}

/**
 * Each person's e-mail address and notification preferences. Both are personal data: stored only as
 * TokenVault ciphertext bound to (did, "notify", "email" | "preferences"), opened only to send to the person
 * or to show them to their owner. A vault failure is reported as a RepositoryError (the row cannot be read).
 */
export class NotifySettings extends Context.Tag("overlap/NotifySettings")<NotifySettings, {
  readonly get: (did: string) => Effect.Effect<NotifySettingsView, RepositoryError>
  /**
   * The person's own settings, as their export (src/features/account/createExport.ts) and the app.overlap.notify.*
   * answers (features/notify/settingsView.ts) show them: a value that does not open (its vault key retired,
   * tampered) is `readable: false`, not a failure; a vault with no key ring at all fails.
   */
  readonly getForExport: (did: string) => Effect.Effect<NotifySettingsExport, RepositoryError>
  /** Sets (or replaces) the address, unverified: nothing is sent to it until verifyEmail. */
  readonly putEmail: (did: string, address: string) => Effect.Effect<void, RepositoryError>
  /** Marks the address verified if it is still `address` (the one the link was made for); false otherwise. */
  readonly verifyEmail: (did: string, address: string) => Effect.Effect<boolean, RepositoryError>
  /** Removes the address (true when there was one). */
  readonly deleteEmail: (did: string) => Effect.Effect<boolean, RepositoryError>
  readonly putPreferences: (did: string, preferences: NotifyPreferences) => Effect.Effect<void, RepositoryError>
}>() {}
