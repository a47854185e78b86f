import type { Effect } from "effect"
import { Context, Data, Schema } from "effect"
import type { RepositoryError } from "./RepositoryError"
import { ApiError } from "./ApiError"

/**
 * What `begin` found for an Idempotency-Key, scoped to (caller, method):
 * - `Started`: the key is now in flight for this request; run it, then `complete` or `abandon`.
 * - `Replay`: the same request already completed; answer with the stored response.
 * - `InFlight`: the same key is still running (409).
 * - `Mismatch`: the key was used with a different request body (422).
 */
export type BeginOutcome = Data.TaggedEnum<{
  Started: {}
  Replay: { readonly status: number; readonly body: string }
  InFlight: {}
  Mismatch: {}
}>
export const BeginOutcome = Data.taggedEnum<BeginOutcome>()

/** `InFlight`, as answered: the same Idempotency-Key is still being processed by an earlier request (409). */
export class RequestInProgress extends ApiError<RequestInProgress>()("RequestInProgress", 409) {}

/** `Mismatch`, as answered: the Idempotency-Key was already used for a request with a different body (422). */
export class IdempotencyKeyReused extends ApiError<IdempotencyKeyReused>()("IdempotencyKeyReused", 422) {}

/** The ledger could not be read or written: nothing was executed; retry (503). */
export class IdempotencyUnavailable extends ApiError<IdempotencyUnavailable>()("IdempotencyUnavailable", 503) {}

/** Rows one purge call deletes at most: keeps each D1 statement short. */
export const defaultPurgeLimit = 1000

export const IdempotencyState = Schema.Literal("in_flight", "completed")

export class IdempotencyKeysRepo extends Context.Tag("overlap/IdempotencyKeysRepo")<IdempotencyKeysRepo, {
  /**
   * Claims `key` for this request, or reports what holds it — decided atomically. A key whose
   * entry expired (expires_at <= now) is free again. The entry lives until now + ttlMs.
   */
  readonly begin: (
    callerDid: string,
    method: string,
    key: string,
    requestHash: string,
    now: number,
    ttlMs: number
  ) => Effect.Effect<BeginOutcome, RepositoryError>
  /**
   * Stores the response of a request that `begin` started; later begins with the same hash replay
   * it. A no-op when the key is no longer in flight for this request hash.
   */
  readonly complete: (
    callerDid: string,
    method: string,
    key: string,
    requestHash: string,
    status: number,
    body: string
  ) => Effect.Effect<void, RepositoryError>
  /** Frees an in-flight key of a request refused before it executed (nothing is stored). */
  readonly abandon: (callerDid: string, method: string, key: string) => Effect.Effect<void, RepositoryError>
  /**
   * The stored response bodies of `callerDid`'s completed `method` requests answered with `status`, unexpired at
   * `now` (account deletion reads the pending-match tokens it answered with, app.overlap.match's 202).
   */
  readonly answersOf: (callerDid: string, method: string, status: number, now: number) => Effect.Effect<ReadonlyArray<string>, RepositoryError>
  /** Deletes up to `limit` expired entries; returns how many. Call again while it returns `limit`. */
  readonly purgeExpired: (now: number, limit?: number) => Effect.Effect<number, RepositoryError>
}>() {}
