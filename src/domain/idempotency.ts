import { Either } from "effect"

/** The request header (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key"
/** Set on a response that is a stored answer to an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed"
/** How long a completed request's response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

const MIN_KEY_LENGTH = 16
const MAX_KEY_LENGTH = 255
// Visible ASCII without `"` and `\`: what fits an sf-string unescaped.
const KEY_CHARS = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Reads an `Idempotency-Key` header: the draft's sf-string (`"8e03978e-…"`) or the same value
 * unquoted. 16–255 visible ASCII characters: a random value such as a UUID — keys of anonymous
 * callers share a scope per network, so a guessable key is not good enough. The error message
 * names the header.
 */
export const parseIdempotencyKey = (header: string | undefined): Either.Either<string, string> => {
  if (header === undefined || header.trim() === "") {
    return Either.left("Idempotency-Key: header required for this procedure")
  }
  const trimmed = header.trim()
  const key = trimmed.length >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"") ? trimmed.slice(1, -1) : trimmed
  if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH || !KEY_CHARS.test(key)) {
    return Either.left(
      `Idempotency-Key: must be ${MIN_KEY_LENGTH}-${MAX_KEY_LENGTH} visible ASCII characters without quotes or backslashes (e.g. a UUID)`
    )
  }
  return Either.right(key)
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: RFC 8785 (JCS) for the
 * values JSON.parse produces. Two bodies that differ only in spacing or key order are the same request.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
  return `{${entries.join(",")}}`
}

/** The body a request hash is computed over: canonical JSON when the body is JSON, else the body as sent. */
export const canonicalBody = (body: string): string => {
  if (body.trim() === "") return ""
  try {
    return canonicalJson(JSON.parse(body))
  } catch {
    return body
  }
}

/** SHA-256 (hex) of the canonical body: the fingerprint that tells a retry from a different request under the same key. */
export const requestHash = async (body: string): Promise<string> => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalBody(body)))
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
}
