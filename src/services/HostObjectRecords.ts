import { Context, type Effect } from "effect"
import type { HoldStoreError } from "./HoldStore"

/** Where an account's match records may be: host objects named by host DID, and pending-match tokens (their object). */
export interface MatchPlaces {
  /** Hosts whose object may hold a match of the account (the account's own object is always visited). */
  readonly hostDids: ReadonlyArray<string>
  /** Tokens the account was answered with (app.overlap.match, 202): each names the object keeping its match. */
  readonly tokens: ReadonlyArray<string>
}

/**
 * What the host objects (HostMatchDO and its day shards) keep of a person beyond their holds, as account deletion
 * reaches it (holds themselves go through the booking lifecycle). Live over the HOST_MATCH namespace
 * (src/adapters/objects/HoldStoreLive.ts), in process in HoldStoreInProcess.
 */
export class HostObjectRecords extends Context.Tag("overlap/HostObjectRecords")<HostObjectRecords, {
  /**
   * Every match record of the person — as guest or host — is dropped (src/features/matching/engine/PendingMatches.ts),
   * so a pending match stops now instead of at its 15-minute deadline (its token answers MatchNotFound; its queued
   * retry is acked). A match running at that moment is waited for; what it held is then a `held` booking, which the
   * deletion cancels like any other. Answers how many were still pending. Idempotent: a second call finds nothing.
   */
  readonly forgetMatches: (did: string, places: MatchPlaces) => Effect.Effect<number, HoldStoreError>
  /**
   * With the host's day shards on, the host's own object remembers which shard keeps each of the host's holds (until
   * a while after it ends): once the person's holds are released, that record goes too. Answers how many.
   */
  readonly forgetShardHomes: (hostDid: string) => Effect.Effect<number, HoldStoreError>
}>() {}
