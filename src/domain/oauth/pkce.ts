/**
 * OAuth 2.0 authorization code with PKCE (RFC 7636), the pure parts: verifier, S256 challenge, state,
 * and the authorization URL. WebCrypto only (`crypto.getRandomValues`, `crypto.subtle`), so the same code
 * runs in workerd and Node.
 */

/** base64url without padding (RFC 4648 §5). */
export const base64url = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

export type RandomBytes = (length: number) => Uint8Array

export const cryptoRandomBytes: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length))

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const isCodeVerifier = (value: string): boolean => /^[A-Za-z0-9\-._~]{43,128}$/.test(value)

/** A fresh code verifier: 32 random bytes, base64url (43 characters, 256 bits). */
export const makeCodeVerifier = (random: RandomBytes = cryptoRandomBytes): string => base64url(random(32))

/** An opaque, unguessable `state`: 32 random bytes, base64url. */
export const makeState = (random: RandomBytes = cryptoRandomBytes): string => base64url(random(32))

/** RFC 7636 §4.2 S256: BASE64URL(SHA-256(ASCII(code_verifier))). */
export const codeChallengeS256 = async (verifier: string): Promise<string> => {
  if (!isCodeVerifier(verifier)) throw new RangeError("not an RFC 7636 code verifier")
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

export interface AuthorizationRequest {
  readonly authorizeUrl: string
  readonly clientId: string
  readonly redirectUri: string
  readonly scopes: ReadonlyArray<string>
  readonly state: string
  readonly codeChallenge: string
  /** Provider-specific extras (Google: access_type=offline, prompt=consent). */
  readonly extra?: Readonly<Record<string, string>>
}

/** The URL the user's browser is sent to (RFC 6749 §4.1.1 + RFC 7636 §4.3). */
export const authorizationUrl = (request: AuthorizationRequest): string => {
  const url = new URL(request.authorizeUrl)
  url.searchParams.set("response_type", "code")
  url.searchParams.set("client_id", request.clientId)
  url.searchParams.set("redirect_uri", request.redirectUri)
  url.searchParams.set("scope", request.scopes.join(" "))
  url.searchParams.set("state", request.state)
  url.searchParams.set("code_challenge", request.codeChallenge)
  url.searchParams.set("code_challenge_method", "S256")
  for (const [key, value] of Object.entries(request.extra ?? {})) url.searchParams.set(key, value)
  return url.toString()
}
