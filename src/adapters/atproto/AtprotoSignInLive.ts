import {
  OAuthCallbackError,
  type OAuthClient,
  OAuthResolverError,
  OAuthResponseError,
  type StoredSession,
  type StoredState
} from "@atcute/oauth-node-client"
import { Effect, Layer, Runtime } from "effect"
import { appviewAudience, EMAIL_SCOPE, requestedScope } from "../../domain/signin/scopes"
import { SIGN_IN_TTL_SECONDS } from "../../domain/signin/webSession"
import { CloudflareEnv, type Env } from "../../platform/CloudflareEnv"
import { AtprotoSessions } from "../../services/AtprotoSessions"
import { AtprotoSignIn, SignInFailed } from "../../services/AtprotoSignIn"
import { IdentityResolver } from "../../services/IdentityResolver"
import { TokenVault } from "../../services/TokenVault"
import { ActorUnverified, makeActorResolver } from "./actorResolver"
import { clientOrigin, isDevelopment, makeAtprotoOAuthClient, OAuthClientMisconfigured, unusedStore } from "./atprotoOAuthClient"

const STATE_PREFIX = "atproto-signin:"
const stateBinding = (stateId: string) => ({ did: "sign-in", provider: "atproto-oauth-state", connectorId: stateId })

/** The user state a sign-in carries through the flow: the hash of the browser's flow-cookie nonce. */
interface FlowState {
  readonly browser: string
  readonly returnTo: string
}

const failed = (status: number, message: string) => new SignInFailed({ status, message })

/** A library or network failure as the browser is told it: never a stack, never a 500 for the person's own mistake. */
const explain = (error: unknown): SignInFailed => {
  if (error instanceof SignInFailed) return error
  if (error instanceof ActorUnverified) return failed(400, `That account could not be verified: ${error.message}.`)
  if (error instanceof OAuthCallbackError) {
    if (error.error === "access_denied") return failed(400, "The sign-in was cancelled at your PDS.")
    if (error.message.includes("sub mismatch")) return failed(400, "You signed in at your PDS as a different account than the one you asked for.")
    return failed(400, `The sign-in could not be completed (${error.error}${error.errorDescription ? `: ${error.errorDescription}` : ""}).`)
  }
  if (error instanceof OAuthResponseError) {
    return failed(error.status >= 500 ? 502 : 400, `Your PDS refused the sign-in (${error.error}${error.errorDescription ? `: ${error.errorDescription}` : ""}).`)
  }
  if (error instanceof OAuthResolverError) return failed(400, `That account or PDS could not be found (${error.message}).`)
  if (error instanceof OAuthClientMisconfigured) return failed(503, `Sign-in is not configured on this server: ${error.message}.`)
  return failed(502, `Your PDS could not be reached (${error instanceof Error ? error.message : String(error)}).`)
}

/**
 * Revokes both tokens of a grant Overlap will not keep (best effort: a failure is logged without the token). The
 * refresh token first, which ends the whole grant at atproto's authorization servers; then the access token.
 */
const revokeGrant = async (server: { revoke: (token: string) => Promise<void> }, session: StoredSession): Promise<void> => {
  for (const token of [session.tokenSet.refresh_token, session.tokenSet.access_token]) {
    if (token === undefined) continue
    try {
      await server.revoke(token)
    } catch (error) {
      console.warn(JSON.stringify({ message: "revoking an unverified sign-in's token failed", error: error instanceof Error ? error.name : "unknown" }))
    }
  }
}

/**
 * AtprotoSignIn with @atcute/oauth-node-client. A client is built per request (nothing in flight crosses requests);
 * the OAuth state (PKCE verifier, DPoP key) lives in KV (`SESSION_NONCES`, `atproto-signin:<state>`) for 10
 * minutes, sealed by TokenVault, and is deleted when read (one use). The session the callback obtains is verified
 * (DID ↔ handle both ways) and handed to the person's SessionDO; this worker keeps nothing of it.
 */
/** The account's e-mail address from its PDS (com.atproto.server.getSession, which shows it under transition:email). */
const accountEmail = async (live: { handle: (pathname: string, init?: RequestInit) => Promise<Response> }): Promise<string | undefined> => {
  try {
    const response = await live.handle("/xrpc/com.atproto.server.getSession")
    if (!response.ok) return undefined
    const body = (await response.json()) as { email?: unknown }
    return typeof body.email === "string" && body.email.length <= 254 ? body.email : undefined
  } catch {
    return undefined
  }
}

export const AtprotoSignInLive: Layer.Layer<AtprotoSignIn, never, CloudflareEnv | TokenVault | IdentityResolver | AtprotoSessions> =
  Layer.effect(
    AtprotoSignIn,
    Effect.gen(function*() {
      const env: Env = yield* CloudflareEnv
      const vault = yield* TokenVault
      const sessions = yield* AtprotoSessions
      const runtime = yield* Effect.runtime<IdentityResolver>()
      const kv = env.SESSION_NONCES
      const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

      const states = {
        get: async (stateId: string): Promise<StoredState | undefined> => {
          const sealed = await kv.get(STATE_PREFIX + stateId)
          if (sealed === null) return undefined
          return JSON.parse(await run(vault.decrypt(sealed, stateBinding(stateId)))) as StoredState
        },
        set: async (stateId: string, state: StoredState) => {
          const sealed = await run(vault.encrypt(JSON.stringify(state), stateBinding(stateId)))
          await kv.put(STATE_PREFIX + stateId, sealed.ciphertext, { expirationTtl: SIGN_IN_TTL_SECONDS })
        },
        delete: async (stateId: string) => kv.delete(STATE_PREFIX + stateId),
        clear: async () => {}
      }

      // `keep` receives the session a callback obtains; `kept` reads it back (the e-mail read below uses it)
      const clientFor = (
        origin: string,
        keep?: (did: string, session: StoredSession) => void,
        kept?: (did: string) => StoredSession | undefined
      ): OAuthClient =>
        makeAtprotoOAuthClient(env, clientOrigin(env, origin), makeActorResolver(env, runtime), {
          states,
          sessions: keep === undefined
            ? unusedStore("the session store")
            : { ...unusedStore("the session store"), set: async (did, session) => keep(did, session), get: async (did) => kept?.(did) }
        })

      const aud = appviewAudience(env.APPVIEW_DID, env.APPVIEW_SERVICE_ID)

      return AtprotoSignIn.of({
        clientMetadata: (origin) =>
          Effect.try({ try: () => ({ ...clientFor(origin).metadata }), catch: explain }),

        jwks: Effect.try({
          // the library's public JWKS of the keyset (public members only); the loopback client has none
          try: () => (isDevelopment(env) ? { keys: [] } : { keys: [...(clientFor(env.PUBLIC_URL ?? "").jwks?.keys ?? [])] }),
          catch: explain
        }),

        begin: ({ browser, email, origin, returnTo, target }) =>
          Effect.tryPromise({
            try: async () => {
              const client = clientFor(origin)
              const state: FlowState = { browser, returnTo }
              const authorizeTarget = target.type === "account"
                ? { type: "account" as const, identifier: target.identifier as `${string}.${string}` }
                : { type: "pds" as const, serviceUrl: target.serviceUrl }
              try {
                const { url } = await client.authorize({
                  target: authorizeTarget,
                  scope: requestedScope(aud, { permissionSet: true, email }),
                  state
                })
                return { url: url.toString() }
              } catch (error) {
                // A PDS that cannot resolve the permission set refuses the request (invalid_scope): spell it out.
                if (!(error instanceof OAuthResponseError) || error.status >= 500) throw error
                const { url } = await client.authorize({
                  target: authorizeTarget,
                  scope: requestedScope(aud, { permissionSet: false, email }),
                  state
                })
                return { url: url.toString() }
              }
            },
            catch: explain
          }),

        complete: ({ browser, origin, params }) =>
          Effect.tryPromise({
            try: async () => {
              const stateId = params.get("state") ?? ""
              if (stateId === "") throw failed(400, "The sign-in answer has no state: start again.")
              const stored = await states.get(stateId).catch(() => undefined)
              if (stored === undefined) throw failed(400, "This sign-in has expired or was already used: start again.")
              const flow = stored.userState as FlowState | undefined
              if (flow?.browser !== browser) {
                await states.delete(stateId)
                throw failed(400, "This sign-in was not started in this browser: start again from Overlap in the browser you use it in.")
              }
              let obtained: { did: string; session: StoredSession } | undefined
              const client = clientFor(origin, (did, session) => void (obtained = { did, session }), (did) => obtained?.did === did ? obtained.session : undefined)
              const { session: live } = await client.callback(params)
              if (obtained === undefined) throw failed(502, "The PDS answered no session.")
              const { did, session } = obtained
              try {
                await makeActorResolver(env, runtime).verify(did)
              } catch (error) {
                // no session is made for an identity that does not verify: the grant it obtained is revoked at once
                await revokeGrant(live.server, session)
                throw explain(error)
              }
              // transition:email granted: the account's address (com.atproto.server.getSession), read before the
              // session is handed over; a PDS that does not answer it leaves the sign-in as it is
              const email = session.tokenSet.scope.split(" ").includes(EMAIL_SCOPE) ? await accountEmail(live) : undefined
              await Runtime.runPromise(runtime)(Effect.orDie(sessions.adopt(did, clientOrigin(env, origin), session)))
              return { did, scope: session.tokenSet.scope, returnTo: flow.returnTo, email }
            },
            catch: explain
          })
      })
    })
  )
