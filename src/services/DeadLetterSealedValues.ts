import type { Effect } from "effect"
import { Context } from "effect"
import type { TokenBinding } from "../domain/tokenVault/tokenBinding"
import type { RepositoryError } from "./RepositoryError"
import type { SealedCount, SealedToken } from "./TokenVault"

/** What a dead letter's body or last error is sealed for: only this record (AES-GCM additional data), never another row. */
export const deadLetterBinding = (id: string, what: "body" | "error"): TokenBinding => ({ did: "operator", provider: `dead-letter-${what}`, connectorId: id })

/** One recorded dead letter's sealed values, as stored: the body and (when the consumer gave one) the last error, both under `keyId`. */
export interface DeadLetterSealedValue {
  /** The record id (the DLQ message id), the order the rotation job walks them in. */
  readonly id: string
  readonly keyId: string
  readonly bodyCiphertext: string
  readonly errorCiphertext: string | null
}

/**
 * The `dead_letters` ciphertexts (migration 0024) as the vault key ring sees them (features/connectors/vaultKeys.ts):
 * counted per key, walked when not under the current key, re-wrapped. Never opens a value. A record whose key is
 * retired is left as it is (the console can still drop it; the 14-day retention removes it).
 */
export class DeadLetterSealedValues extends Context.Tag("overlap/DeadLetterSealedValues")<DeadLetterSealedValues, {
  /** Records per key id (`status` is always `recorded`). */
  readonly countByKeyId: Effect.Effect<ReadonlyArray<SealedCount<"recorded">>, RepositoryError>
  /** Records sealed under another key than `keyId`, in id order after `afterId`. */
  readonly listSealedNotUnder: (keyId: string, limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<DeadLetterSealedValue>, RepositoryError>
  /**
   * Replaces body and error (re-wrapped under `body.keyId`) if the record still holds `value`'s ciphertexts; false when it
   * is gone (replayed, dropped, expired) or changed meanwhile.
   */
  readonly replaceSealed: (value: DeadLetterSealedValue, body: SealedToken, error: SealedToken | null) => Effect.Effect<boolean, RepositoryError>
}>() {}
