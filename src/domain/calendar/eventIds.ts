/**
 * Deterministic provider-side identifiers for Overlap holds, so that placing the same hold twice can
 * never create two events (the provider refuses the second insert with 409 and we adopt the first).
 */

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv"

/** RFC 4648 §7 base32hex, lowercase, unpadded: exactly the alphabet Google allows in event ids (a–v, 0–9). */
export const base32hex = (bytes: Uint8Array): string => {
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32HEX[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32HEX[(buffer << (5 - bits)) & 31]
  return out
}

/** Google event ids: 5–1024 characters from base32hex. */
export const isGoogleEventId = (id: string): boolean => /^[a-v0-9]{5,1024}$/.test(id)

/**
 * The Google event id of the hold for `bookingId`: base32hex of "ovl1:" + the booking id. Reversible, so a
 * stray event found on a calendar can be traced to its booking; the prefix versions the scheme.
 */
export const googleHoldEventId = (bookingId: string): string => {
  const id = base32hex(new TextEncoder().encode(`ovl1:${bookingId}`))
  if (id.length > 1024) throw new RangeError("booking id too long for a Google event id")
  return id
}

/** Graph `transactionId` for the hold of `bookingId` (Graph dedupes POSTs that repeat it). */
export const graphHoldTransactionId = (bookingId: string): string => `overlap-${bookingId}`
