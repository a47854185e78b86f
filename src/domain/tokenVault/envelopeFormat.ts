import { Either, Encoding } from "effect"
import type { TokenBinding } from "./tokenBinding"

/**
 * The versioned text form of a TokenVault ciphertext:
 *
 *   v1.<keyId>.<wrappedDataKey>.<iv>.<ciphertext+tag>
 *
 * base64url without padding. `wrappedDataKey` is the token's 256-bit AES-GCM data key wrapped with
 * AES-KW (RFC 3394) under the key-encryption key `keyId`; the token is AES-GCM-encrypted under the data
 * key with a 96-bit random IV and `bindingAad(binding)` as additional data.
 */
export const ENVELOPE_VERSION = "v1"

/** Key ids: no dots (the separator), short, URL-safe. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export const IV_BYTES = 12
/** AES-KW output for a 32-byte key. */
export const WRAPPED_KEY_BYTES = 40
const GCM_TAG_BYTES = 16

export interface Envelope {
  readonly keyId: string
  readonly wrappedKey: Uint8Array
  readonly iv: Uint8Array
  readonly sealed: Uint8Array
}

export const formatEnvelope = (envelope: Envelope): string =>
  [
    ENVELOPE_VERSION,
    envelope.keyId,
    Encoding.encodeBase64Url(envelope.wrappedKey),
    Encoding.encodeBase64Url(envelope.iv),
    Encoding.encodeBase64Url(envelope.sealed)
  ].join(".")

/** Parses the text form; `Left` carries why it is not a v1 envelope (never any of its content). */
export const parseEnvelope = (text: string): Either.Either<Envelope, string> => {
  const parts = text.split(".")
  if (parts.length !== 5) return Either.left("not a vault ciphertext (expected 5 dot-separated parts)")
  const [version, keyId, wrapped, iv, sealed] = parts as [string, string, string, string, string]
  if (version !== ENVELOPE_VERSION) return Either.left(`unsupported ciphertext version ${JSON.stringify(version.slice(0, 8))}`)
  if (!KEY_ID_PATTERN.test(keyId)) return Either.left("malformed key id")
  const bytes = (part: string, what: string) =>
    Either.mapLeft(Encoding.decodeBase64Url(part), () => `${what} is not base64url`)
  return Either.all({ wrappedKey: bytes(wrapped, "wrapped key"), iv: bytes(iv, "iv"), sealed: bytes(sealed, "ciphertext") }).pipe(
    Either.filterOrLeft(({ wrappedKey }) => wrappedKey.length === WRAPPED_KEY_BYTES, () => "wrapped key has the wrong length"),
    Either.filterOrLeft(({ iv }) => iv.length === IV_BYTES, () => "iv has the wrong length"),
    Either.filterOrLeft(({ sealed }) => sealed.length >= GCM_TAG_BYTES, () => "ciphertext is shorter than its tag"),
    Either.map((decoded) => ({ keyId, ...decoded }))
  )
}

/**
 * Additional authenticated data: a JSON array, so no choice of field values can make two different
 * bindings produce the same bytes. The key id is deliberately not part of it: rotation re-wraps the
 * data key without touching the token's ciphertext.
 */
export const bindingAad = (binding: TokenBinding): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(["overlap/token-vault/v1", binding.did, binding.provider, binding.connectorId]))
