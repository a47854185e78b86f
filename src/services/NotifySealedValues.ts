import type { Effect } from "effect"
import { Context } from "effect"
import type { TokenBinding } from "../domain/tokenVault/tokenBinding"
import type { RepositoryError } from "./RepositoryError"
import type { SealedCount, SealedToken } from "./TokenVault"

/** The two sealed values of a person's notification settings. */
export type NotifySealedKind = "email" | "preferences"

/** What a notification setting is sealed for: the person and which value (NotifySettings seals and opens with it). */
export const notifySettingBinding = (did: string, what: NotifySealedKind): TokenBinding => ({ did, provider: "notify", connectorId: what })

/** One sealed notification setting as stored: `id` is `<did>#<what>`, the order the rotation job walks them in. */
export interface NotifySealedValue {
  readonly id: string
  readonly did: string
  readonly what: NotifySealedKind
  readonly keyId: string
  readonly ciphertext: string
}

/**
 * The `notify_settings` ciphertexts as the vault key ring sees them (features/connectors/vaultKeys.ts): counted per
 * key, walked when not under the current key, re-wrapped or — their key retired — forgotten. Never opens a value.
 */
export class NotifySealedValues extends Context.Tag("overlap/NotifySealedValues")<NotifySealedValues, {
  /** Values per key id, `status` = which setting. */
  readonly countByKeyId: Effect.Effect<ReadonlyArray<SealedCount<NotifySealedKind>>, RepositoryError>
  /** Values sealed under another key than `keyId`, in id order after `afterId`. */
  readonly listSealedNotUnder: (keyId: string, limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<NotifySealedValue>, RepositoryError>
  /** Replaces the ciphertext if it is still `value.ciphertext` (the person may have changed it meanwhile). */
  readonly replaceSealed: (value: NotifySealedValue, sealed: SealedToken) => Effect.Effect<boolean, RepositoryError>
  /**
   * Forgets a value that can no longer be opened (its key is retired), if it is still `value.ciphertext`: the
   * address is removed (nothing is sent until the person enters it again), preferences go back to the defaults.
   */
  readonly forget: (value: NotifySealedValue) => Effect.Effect<boolean, RepositoryError>
}>() {}
