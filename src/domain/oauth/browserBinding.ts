/**
 * Binding an OAuth flow to the browser that started it (issue 12, item 6). The AppView's begin route sets a
 * cookie holding a random nonce; the flow's stored state keeps only the nonce's SHA-256; the callback (and
 * the confirmation POST) are refused unless the browser's cookie opens that hash. A victim who completes an
 * authorization URL an attacker started has no such cookie, or another one.
 */
import { base64url } from "./pkce"

/** `__Host-`: Secure, Path=/, no Domain — only this origin can set or read it. One cookie per provider. */
export const flowCookieName = (provider: string): string => `__Host-overlap-oauth-${provider}`

/** A nonce as the begin route makes it (32 random bytes, base64url); anything else is not one. */
export const isBrowserNonce = (value: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(value)

/** BASE64URL(SHA-256(nonce)): what the state record keeps. */
export const browserNonceHash = async (nonce: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(nonce))))

/** Equal strings, compared in time that depends on the length only. */
export const sameSecret = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/** The value of cookie `name` in a Cookie header, if present. */
export const cookieValue = (header: string | null, name: string): string | undefined => {
  if (header === null) return undefined
  for (const part of header.split(";")) {
    const at = part.indexOf("=")
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/** The flow cookie lives as long as the flow's state may (10 minutes). */
export const FLOW_COOKIE_MAX_AGE_SECONDS = 600

/** `Set-Cookie` for the flow cookie: HttpOnly, Secure, SameSite=Lax (the provider's redirect back is a top-level GET). */
export const flowCookie = (provider: string, nonce: string): string =>
  `${flowCookieName(provider)}=${nonce}; Path=/; Max-Age=${FLOW_COOKIE_MAX_AGE_SECONDS}; HttpOnly; Secure; SameSite=Lax`

/** `Set-Cookie` that removes the flow cookie (the flow is over, whichever way). */
export const clearedFlowCookie = (provider: string): string =>
  `${flowCookieName(provider)}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`
