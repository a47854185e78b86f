import type { Effect } from "effect"
import { Context, Schema } from "effect"

/**
 * The AppView as an atproto OAuth client (docs/signin.md): its client metadata and public keys, the start of a
 * sign-in (handle, DID or PDS URL → the authorization server's page) and the callback (code → a session handed to
 * the person's SessionDO). Development is the loopback client; elsewhere a confidential client (private_key_jwt).
 */

/** Who to sign in: a handle, a DID, or a PDS (the person picks the account on its page). */
export type SignInTarget =
  | { readonly type: "account"; readonly identifier: string }
  | { readonly type: "pds"; readonly serviceUrl: string }

/** The sign-in could not start: an unknown handle, an unreachable PDS, a refused authorization request. */
export class SignInFailed extends Schema.TaggedError<SignInFailed>()("SignInFailed", {
  status: Schema.Number,
  message: Schema.String
}) {}

export interface SignInStart {
  /** Where to send the browser: the authorization server's sign-in page. */
  readonly url: string
}

export interface SignInDone {
  readonly did: string
  /** The scope the person granted. */
  readonly scope: string
  /** Where the sign-in was asked to land. */
  readonly returnTo: string
  /** The account's e-mail address, when the person granted `transition:email` and their PDS has one. */
  readonly email?: string | undefined
}

export class AtprotoSignIn extends Context.Tag("overlap/AtprotoSignIn")<AtprotoSignIn, {
  /** The client metadata document served at /oauth-client-metadata.json (production), for the public origin. */
  readonly clientMetadata: (origin: string) => Effect.Effect<Record<string, unknown>, SignInFailed>
  /** The public keys served at /oauth/jwks.json (empty for the loopback client). */
  readonly jwks: Effect.Effect<{ readonly keys: ReadonlyArray<unknown> }, SignInFailed>
  /**
   * Starts a sign-in. `browser` is the hash of the flow cookie's nonce: the stored state keeps it, and `complete`
   * refuses a callback from a browser without that cookie.
   */
  readonly begin: (input: {
    readonly origin: string
    readonly target: SignInTarget
    readonly email: boolean
    readonly browser: string
    /** A path on this site to land on after signing in. */
    readonly returnTo: string
  }) => Effect.Effect<SignInStart, SignInFailed>
  /** Finishes a sign-in: one use per state; the state must have been started by this `browser`. */
  readonly complete: (input: {
    readonly origin: string
    readonly params: URLSearchParams
    readonly browser: string
  }) => Effect.Effect<SignInDone, SignInFailed>
}>() {}
