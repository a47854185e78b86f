import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { RepositoryError } from "./RepositoryError"

/** The service-auth token's (iss, jti) was already accepted and has not expired yet. */
export class JtiReplayed extends Schema.TaggedError<JtiReplayed>()("JtiReplayed", {
  iss: Schema.String,
  jti: Schema.String
}) {}

/** Rows one purge call deletes at most. */
export const defaultJtiPurgeLimit = 1000

/** Replay protection for atproto inter-service JWTs (`@atproto/xrpc-server` does not track jti). */
export class JtiLedger extends Context.Tag("overlap/JtiLedger")<JtiLedger, {
  /**
   * Records (iss, jti) until `expAtMs`, atomically. Fails with JtiReplayed when the pair is already
   * recorded and its expiry is still in the future (Clock time); an expired claim can be made again.
   */
  readonly claim: (iss: string, jti: string, expAtMs: number) => Effect.Effect<void, JtiReplayed | RepositoryError>
  /** Deletes up to `limit` claims that expired at or before `now`; returns how many. */
  readonly purgeExpired: (now: number, limit?: number) => Effect.Effect<number, RepositoryError>
}>() {}
