import type { StoredSession } from "@atcute/oauth-node-client"
import { HttpApiSchema } from "@effect/platform"
import type { Effect } from "effect"
import { Context, Schema } from "effect"

/**
 * The signed-in person's atproto OAuth session, held by their `SessionDO` (one per DID): the DPoP key and tokens
 * sealed with TokenVault, one warm client (DPoP nonces), every refresh (refresh tokens are single-use: a second
 * refresher would log the person out), revocation on sign-out. It is the only code that calls the person's PDS
 * with their token; everything else asks it through this contract.
 */

/** One write to the person's own repo. `put` with a deterministic rkey is idempotent; `swapRecord` makes it a compare-and-swap. */
export const RepoWrite = Schema.Union(
  Schema.Struct({
    op: Schema.Literal("put"),
    collection: Schema.String,
    rkey: Schema.String,
    record: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    swapRecord: Schema.optional(Schema.NullOr(Schema.String))
  }),
  Schema.Struct({
    op: Schema.Literal("delete"),
    collection: Schema.String,
    rkey: Schema.String,
    swapRecord: Schema.optional(Schema.String)
  })
)
export type RepoWrite = typeof RepoWrite.Type

/** What became of a write: done now, or kept in the session's outbox and retried while the PDS is unreachable. */
export const WriteOutcome = Schema.Union(
  Schema.Struct({ status: Schema.Literal("written"), uri: Schema.optional(Schema.String), cid: Schema.optional(Schema.String) }),
  Schema.Struct({ status: Schema.Literal("queued"), reason: Schema.String })
)
export type WriteOutcome = typeof WriteOutcome.Type

/** No usable atproto session for this person (never signed in, signed out, refresh refused, revoked): sign in again. */
export class ReauthorizeRequired extends Schema.TaggedError<ReauthorizeRequired>()(
  "ReauthorizeRequired",
  { did: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** The PDS refused the write itself (a bad record, a failed swap, a collection the grant does not cover). Not retried. */
export class PdsWriteRejected extends Schema.TaggedError<PdsWriteRejected>()(
  "PdsWriteRejected",
  { did: Schema.String, status: Schema.Number, error: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 422 })
) {}

/** The person's session object could not be reached: retry later. */
export class SessionUnavailable extends Schema.TaggedError<SessionUnavailable>()(
  "SessionUnavailable",
  { did: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

export type SessionWriteError = ReauthorizeRequired | PdsWriteRejected | SessionUnavailable

/** The OAuth session as the client library stores it (DPoP private key, tokens): plaintext only in memory, sealed at rest. */
export type StoredOAuthSession = StoredSession

export class AtprotoSessions extends Context.Tag("overlap/AtprotoSessions")<AtprotoSessions, {
  /** Hands a session the sign-in callback just obtained to `did`'s SessionDO (which seals and keeps it). */
  readonly adopt: (did: string, origin: string, session: StoredOAuthSession) => Effect.Effect<void, SessionUnavailable>
  /** Writes to `did`'s repo through their session. */
  readonly write: (did: string, write: RepoWrite) => Effect.Effect<WriteOutcome, SessionWriteError>
  /** Revokes the tokens at the authorization server and forgets the session. */
  readonly signOut: (did: string) => Effect.Effect<void>
}>() {}
