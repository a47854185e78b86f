/**
 * Standard Webhooks (standardwebhooks.com, spec v1) signing over WebCrypto: the signature is
 * `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>` where the key is the
 * base64-decoded secret after its `whsec_` prefix. Written here rather than with the `standardwebhooks`
 * package so that the tests, which verify with that package as a receiver would, check an independent
 * implementation.
 */

export const SECRET_PREFIX = "whsec_"
/** 32 random bytes: the spec allows 24–64. */
const SECRET_BYTES = 32

export const toBase64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

export const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** A fresh subscription secret, `whsec_<base64>`. */
export const generateWebhookSecret = (): string =>
  SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))

export interface SignedHeaders {
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
}

/** The three Standard Webhooks headers for `body`, sent as `msgId` at `timestampSeconds` (Unix seconds). */
export const signWebhook = async (
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string
): Promise<SignedHeaders> => {
  const raw = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret)
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
  const timestamp = String(Math.floor(timestampSeconds))
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${msgId}.${timestamp}.${body}`))
  return {
    "webhook-id": msgId,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}`
  }
}
