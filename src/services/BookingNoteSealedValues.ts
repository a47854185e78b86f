import type { Effect } from "effect"
import { Context } from "effect"
import type { RepositoryError } from "./RepositoryError"
import type { SealedCount, SealedToken } from "./TokenVault"

/** One sealed note as stored, as the vault key ring's rotation walks them (in booking id order). */
export interface BookingNoteSealedValue {
  readonly id: string
  readonly guestDid: string
  readonly keyId: string
  readonly ciphertext: string
}

/**
 * The `booking_notes` ciphertexts as the vault key ring sees them (features/connectors/vaultKeys.ts): counted per key,
 * walked when not under the current key, re-wrapped or — their key retired — forgotten. Never opens a note.
 */
export class BookingNoteSealedValues extends Context.Tag("overlap/BookingNoteSealedValues")<BookingNoteSealedValues, {
  /** Notes per key id (`status` is always "kept"). */
  readonly countByKeyId: Effect.Effect<ReadonlyArray<SealedCount<"kept">>, RepositoryError>
  /** Notes sealed under another key than `keyId`, in booking id order after `afterId`. */
  readonly listSealedNotUnder: (keyId: string, limit: number, afterId?: string) => Effect.Effect<ReadonlyArray<BookingNoteSealedValue>, RepositoryError>
  /** Replaces the ciphertext if it is still `value.ciphertext`. */
  readonly replaceSealed: (value: BookingNoteSealedValue, sealed: SealedToken) => Effect.Effect<boolean, RepositoryError>
  /** Deletes a note that can no longer be opened (its key is retired), if it is still `value.ciphertext`. */
  readonly forget: (value: BookingNoteSealedValue) => Effect.Effect<boolean, RepositoryError>
}>() {}
