import { HttpApiSchema } from "@effect/platform"
import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"

/**
 * Browser sessions of people signed in with atproto OAuth (docs/signin.md). The cookie holds an opaque random id;
 * the store keeps its hash, the DID, when it was made and last used, when it ends, the browser's User-Agent, and
 * whether it was revoked. The atproto tokens are not here (they are sealed in the person's SessionDO).
 */

/** The session cookie is missing, unknown, expired, idle too long or signed out: sign in again. */
export class SessionInvalid extends Schema.TaggedError<SessionInvalid>()(
  "SessionInvalid",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** A state-changing browser request without this origin's `Origin` or without the session's CSRF token. */
export class CsrfRejected extends Schema.TaggedError<CsrfRejected>()(
  "CsrfRejected",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403 })
) {}

/** The session store could not be reached: a 503, so the browser retries instead of signing out. */
export class SessionStoreUnavailable extends Schema.TaggedError<SessionStoreUnavailable>()(
  "SessionStoreUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** A session as made at sign-in: `id` goes into the cookie and is never stored; `csrf` is derived from it. */
export interface NewWebSession {
  readonly id: string
  readonly csrf: string
  readonly did: string
  readonly expiresAt: number
}

/** A live session as a request presents it. */
export interface ActiveWebSession {
  readonly did: string
  /** The CSRF token this session's state-changing requests must carry. */
  readonly csrf: string
  /** When the person signed in (epoch ms). */
  readonly createdAt: number
  /** When the session was last used (epoch ms; touched at most every SESSION_TOUCH_MS). */
  readonly lastSeenAt: number
  /** Its absolute end (epoch ms). */
  readonly expiresAt: number
}

export class WebSessions extends Context.Tag("overlap/WebSessions")<WebSessions, {
  /** A new session for `did` (a fresh id: sign-in always rotates). */
  readonly create: (did: string, userAgent: string) => Effect.Effect<NewWebSession, SessionStoreUnavailable>
  /** The session behind a cookie id, if it still signs someone in; marks it used. */
  readonly resolve: (id: string) => Effect.Effect<Option.Option<ActiveWebSession>, SessionStoreUnavailable>
  /** Ends one session (sign-out). Unknown ids are ignored. */
  readonly revoke: (id: string) => Effect.Effect<void, SessionStoreUnavailable>
  /** Ends every session of `did` (sign-out everywhere, a revoked atproto session). */
  readonly revokeAll: (did: string) => Effect.Effect<void, SessionStoreUnavailable>
}>() {}
