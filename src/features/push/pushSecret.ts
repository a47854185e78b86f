import { base64url } from "../../domain/oauth/pkce"

/**
 * The secret a push channel carries (Google `token`, echoed as X-Goog-Channel-Token; Graph `clientState`,
 * echoed in every notification): HMAC-SHA256(PUSH_CHANNEL_SECRET, provider + connector id), base64url.
 * Derived, not stored, so D1 holds no secret; 43 characters fit Google's 256 and Graph's 128 limits.
 */
export const pushChannelToken = async (secret: string, provider: "google" | "microsoft", connectorId: string): Promise<string> => {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`overlap-push:v1:${provider}:${connectorId}`))
  return base64url(new Uint8Array(mac))
}
