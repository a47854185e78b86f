import {
  type ClientAssertionPrivateJwk,
  MemoryStore,
  OAuthClient,
  type SessionStore,
  type StateStore
} from "@atcute/oauth-node-client"
import type { ActorResolver } from "@atcute/identity-resolver"
import { appviewAudience, clientScope } from "../../domain/signin/scopes"
import type { Env } from "../../platform/CloudflareEnv"

/**
 * The AppView as an atproto OAuth client, with @atcute/oauth-node-client (PAR, PKCE S256, DPoP with nonce retry,
 * private_key_jwt; runs in workerd without shims). The sign-in routes build one per request (nothing in flight is
 * shared between requests); a SessionDO keeps one for its life (its DPoP nonces stay warm).
 *
 * Development (ENVIRONMENT=development): the loopback client — `client_id=http://localhost?redirect_uri=…&scope=…`,
 * redirect to `http://127.0.0.1:<port>/oauth/callback` (browse at 127.0.0.1) — and plain-http authorization servers
 * and PDSs are allowed (the local PDS is http://localhost:<port>). Elsewhere: a confidential client whose metadata is
 * `<PUBLIC_URL>/oauth-client-metadata.json`, keys at `<PUBLIC_URL>/oauth/jwks.json`, the private key from the
 * `ATPROTO_OAUTH_PRIVATE_JWK` secret.
 */

export class OAuthClientMisconfigured extends Error {}

export const isDevelopment = (env: Env): boolean => env.ENVIRONMENT === "development"

/** The origin the client lives at: in development the browser's own (as 127.0.0.1), else PUBLIC_URL. */
export const clientOrigin = (env: Env, requestOrigin: string): string => {
  if (isDevelopment(env)) {
    const url = new URL(requestOrigin)
    return `http://127.0.0.1${url.port ? `:${url.port}` : ""}`
  }
  if (env.PUBLIC_URL === undefined || env.PUBLIC_URL === "") throw new OAuthClientMisconfigured("PUBLIC_URL is not set")
  return new URL(env.PUBLIC_URL).origin
}

/** The private key(s) of the confidential client: one private JWK (ES256, with kid) or an array of them. */
export const clientKeys = (env: Env): Array<ClientAssertionPrivateJwk> => {
  const raw = env.ATPROTO_OAUTH_PRIVATE_JWK
  if (raw === undefined || raw.trim() === "") {
    throw new OAuthClientMisconfigured("ATPROTO_OAUTH_PRIVATE_JWK is not set; it is required outside development")
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new OAuthClientMisconfigured("ATPROTO_OAUTH_PRIVATE_JWK is not JSON")
  }
  const keys = (Array.isArray(parsed) ? parsed : [parsed]) as Array<ClientAssertionPrivateJwk>
  if (keys.length === 0 || keys.some((k) => typeof k !== "object" || k === null || !("d" in k) || !("kid" in k))) {
    throw new OAuthClientMisconfigured("ATPROTO_OAUTH_PRIVATE_JWK must be a private JWK with kid (or an array of them)")
  }
  return keys
}

export interface ClientStores {
  readonly sessions: SessionStore
  readonly states: StateStore
}

/** A store for a client that never uses it (the callback's state store in a SessionDO, say): any use is a bug. */
export const unusedStore = <K, V>(what: string) => ({
  get: (_: K): Promise<V | undefined> => Promise.reject(new Error(`${what} is not used here`)),
  set: (_: K, __: V): Promise<void> => Promise.reject(new Error(`${what} is not used here`)),
  delete: (_: K): Promise<void> => Promise.reject(new Error(`${what} is not used here`)),
  clear: (): Promise<void> => Promise.reject(new Error(`${what} is not used here`))
})

export const makeAtprotoOAuthClient = (
  env: Env,
  origin: string,
  actorResolver: ActorResolver,
  stores: ClientStores
): OAuthClient => {
  const scope = clientScope(appviewAudience(env.APPVIEW_DID, env.APPVIEW_SERVICE_ID))
  const redirectUri = `${origin}/oauth/callback` as `http://127.0.0.1${string}`
  const common = {
    actorResolver,
    stores: { ...stores, dpopNonces: new MemoryStore<string, string>({ maxSize: 100, ttl: 60e3 }) }
  }
  const client = isDevelopment(env)
    ? new OAuthClient({ ...common, metadata: { redirect_uris: [redirectUri], scope } })
    : new OAuthClient({
        ...common,
        keyset: clientKeys(env),
        metadata: {
          client_id: `${origin}/oauth-client-metadata.json`,
          client_name: "Overlap",
          client_uri: origin,
          redirect_uris: [`${origin}/oauth/callback` as `https://${string}`],
          scope,
          jwks_uri: `${origin}/oauth/jwks.json`
        }
      })
  if (isDevelopment(env)) allowPlainHttp(client)
  return client
}

/**
 * The library refuses http:// authorization servers and PDSs unless its two metadata resolvers get `allowHttp`,
 * which its OAuthClient does not pass through; in development (the local PDS is http://localhost) the flag is set
 * on the client's own resolvers after construction. Never outside development.
 */
const allowPlainHttp = (client: OAuthClient) => {
  const resolver = (client as unknown as {
    resolver?: { protectedResourceResolver?: { allowHttp: boolean }; authorizationServerResolver?: { allowHttp: boolean } }
  }).resolver
  if (resolver?.protectedResourceResolver === undefined || resolver.authorizationServerResolver === undefined) {
    throw new OAuthClientMisconfigured("@atcute/oauth-node-client changed: its resolvers are not where development expects them")
  }
  resolver.protectedResourceResolver.allowHttp = true
  resolver.authorizationServerResolver.allowHttp = true
}
