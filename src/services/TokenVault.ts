import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import type { TokenBinding } from "../domain/tokenVault/tokenBinding"

/** A sealed token, as stored in `connectors.token_ciphertext` / `connectors.key_id`. */
export interface SealedToken {
  /** `v1.<keyId>.<wrapped data key>.<iv>.<ciphertext+tag>`, base64url parts (envelopeFormat.ts). */
  readonly ciphertext: string
  /** The key-encryption key that wraps this token's data key; also inside `ciphertext`. */
  readonly keyId: string
}

/** How many values one vault key seals, per state of their rows (the operator's keys-in-use check). */
export interface SealedCount<S extends string> {
  readonly keyId: string
  readonly status: S
  readonly count: number
}

/**
 * No key to use: the `TOKEN_VAULT_KEYS` secret is absent outside development, or a ciphertext names a
 * key id the configured key ring no longer has (then `keyId` is set: the key was retired while it still
 * sealed this value — see `retiredKeyOf`).
 */
export class VaultKeyMissing extends Schema.TaggedError<VaultKeyMissing>()("VaultKeyMissing", {
  keyId: Schema.optional(Schema.String),
  reason: Schema.String
}) {}

/** `TOKEN_VAULT_KEYS` is set but is not the documented JSON (see .dev.vars.example). */
export class VaultConfigInvalid extends Schema.TaggedError<VaultConfigInvalid>()("VaultConfigInvalid", {
  reason: Schema.String
}) {}

/**
 * The ciphertext does not open: malformed, tampered with, or bound to another (did, provider, connector).
 * AES-GCM cannot tell those apart, and the message never says which binding was expected.
 */
export class VaultDecryptFailed extends Schema.TaggedError<VaultDecryptFailed>()("VaultDecryptFailed", {
  reason: Schema.String
}) {}

export type VaultKeyError = VaultKeyMissing | VaultConfigInvalid

/** The key id of a value whose key was removed from the ring (undefined for any other vault failure). */
export const retiredKeyOf = (error: { readonly _tag: string }): string | undefined =>
  error instanceof VaultKeyMissing ? error.keyId : undefined

/**
 * The vault failure inside `error` (followed through `cause` chains, e.g. a RepositoryError around a vault call) when
 * it is the operator's configuration, not the caller's input nor one value: `TOKEN_VAULT_KEYS` absent outside
 * development (VaultKeyMissing without a key id) or not the documented JSON (VaultConfigInvalid). Undefined for
 * anything else, a retired key included. Request paths answer it 503 (`VAULT_NOT_CONFIGURED_MESSAGE`), never 500.
 */
export const vaultNotConfiguredIn = (error: unknown): VaultKeyMissing | VaultConfigInvalid | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if (current instanceof VaultConfigInvalid) return current
    if (current instanceof VaultKeyMissing) return current.keyId === undefined ? current : undefined
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}

/** What a request that needs the vault is told when its key ring is not configured (the operator's to fix). */
export const VAULT_NOT_CONFIGURED_MESSAGE =
  "this Overlap service is not configured: its token vault has no usable keys (TOKEN_VAULT_KEYS); the operator must set them, try again later"

/** The reason shown (connector status, disabled webhook) for a value whose vault key was removed. */
export const keyRetiredReason = (keyId: string, what: string): string =>
  `key retired: the vault key ${JSON.stringify(keyId)} that sealed ${what} is no longer in TOKEN_VAULT_KEYS`

/**
 * Envelope encryption of connector tokens (refresh tokens, CalDAV app passwords). Each token gets its own
 * random data key; the data key is wrapped by the current key-encryption key, whose id travels in the
 * ciphertext: old keys still decrypt, new writes use the current key, and the rotation job
 * (features/connectors/vaultKeys.ts) re-wraps every stored value under the current key.
 */
export class TokenVault extends Context.Tag("overlap/TokenVault")<TokenVault, {
  /** The key id new ciphertexts are written under. */
  readonly currentKeyId: Effect.Effect<string, VaultKeyError>
  /** Every key id the ring can open (the current one included). */
  readonly keyIds: Effect.Effect<ReadonlyArray<string>, VaultKeyError>
  readonly encrypt: (plaintext: string, binding: TokenBinding) => Effect.Effect<SealedToken, VaultKeyError>
  readonly decrypt: (
    ciphertext: string,
    binding: TokenBinding
  ) => Effect.Effect<string, VaultDecryptFailed | VaultKeyError>
  /** True when the ciphertext is sealed under a key other than the current one. */
  readonly needsRotation: (ciphertext: string) => Effect.Effect<boolean, VaultDecryptFailed | VaultKeyError>
  /**
   * Re-wraps the data key under the current key after checking the ciphertext opens for `binding`;
   * `None` when it already uses the current key. The token itself is not re-encrypted.
   */
  readonly rotate: (
    ciphertext: string,
    binding: TokenBinding
  ) => Effect.Effect<Option.Option<SealedToken>, VaultDecryptFailed | VaultKeyError>
}>() {}
