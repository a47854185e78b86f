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

/**
 * Each person's e-mail address and notification preferences. Both are personal data: stored only as
 * TokenVault ciphertext bound to (did, "notify", "email" | "preferences"), opened only to send to the person
 * or to show them to their owner. A vault failure is reported as a RepositoryError (the row cannot be read).
 */
export class NotifySettings extends Context.Tag("overlap/NotifySettings")<NotifySettings, {
  readonly get: (did: string) => Effect.Effect<NotifySettingsView, RepositoryError>
  /** Sets (or replaces) the address, unverified: nothing is sent to it until verifyEmail. */
  readonly putEmail: (did: string, address: string) => Effect.Effect<void, RepositoryError>
  /** Marks the address verified if it is still `address` (the one the link was made for); false otherwise. */
  readonly verifyEmail: (did: string, address: string) => Effect.Effect<boolean, RepositoryError>
  /** Removes the address (true when there was one). */
  readonly deleteEmail: (did: string) => Effect.Effect<boolean, RepositoryError>
  readonly putPreferences: (did: string, preferences: NotifyPreferences) => Effect.Effect<void, RepositoryError>
}>() {}
