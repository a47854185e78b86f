import { Context, type Effect } from "effect"
import type { MatchRequest } from "../domain/holds/matchRequest"
import type { SlotInputInvalid } from "../domain/slots"
import type {
  CalendarUnavailable,
  ConfirmedMeeting,
  ConfirmMeeting,
  Held,
  HoldNotFound,
  HoldStoreError,
  HostCommitments,
  MarkerClaim,
  MarkerLease,
  NoSlotAvailable,
  ShardBackoff,
  TooManyHolds,
  WeekClaimRequest
} from "./HoldStore"

/**
 * How a host's object reaches the host's day shards (`shardName(hostDid, day)`, src/domain/holds/shards.ts)
 * when the host's `dayShards` switch is on, and how a day shard reaches the others: Live over the HOST_MATCH
 * namespace (src/adapters/objects/HoldStoreLive.ts), in memory in src/features/matching/HoldStoreInProcess.ts.
 */
export class DayShards extends Context.Tag("overlap/DayShards")<DayShards, {
  /** The match, restricted to slots starting on `day`, in that day's shard. */
  readonly matchInDay: (
    request: MatchRequest,
    day: number
  ) => Effect.Effect<Held, NoSlotAvailable | CalendarUnavailable | SlotInputInvalid | HoldStoreError | ShardBackoff | TooManyHolds>
  /** Registers a hold homed elsewhere in the shard of `day`; false when it clashes there (nothing registered). */
  readonly claim: (day: number, claim: MarkerClaim) => Effect.Effect<boolean, HoldStoreError>
  readonly drop: (hostDid: string, day: number, key: string) => Effect.Effect<void, HoldStoreError>
  /** Asks a hold's home shard whether it still blocks (for a marker of it that came due). */
  readonly lease: (hostDid: string, homeDay: number, bookingId: string) => Effect.Effect<MarkerLease, HoldStoreError>
  /** Blocking holds homed in the shard of `day` (markers not counted). */
  readonly blockingCount: (hostDid: string, day: number) => Effect.Effect<number, HoldStoreError>
  /** Asks the host's object (`idFromName(hostDid)`) for a place under the weekly cap; false when the week is full. */
  readonly claimWeek: (claim: WeekClaimRequest) => Effect.Effect<boolean, HoldStoreError>
  /** Gives the place back (the reservation was dropped or rolled back). */
  readonly dropWeekClaim: (hostDid: string, bookingId: string) => Effect.Effect<void, HoldStoreError>
  /** The shard's own commitments (holds starting on `day`, markers not counted) meeting [from, until). */
  readonly commitments: (hostDid: string, day: number, from: number, until: number) => Effect.Effect<HostCommitments, HoldStoreError>
  /** confirm / release / expire of a hold in its home shard. */
  readonly confirm: (hostDid: string, day: number, bookingId: string, meeting?: ConfirmMeeting) => Effect.Effect<ConfirmedMeeting, HoldNotFound | CalendarUnavailable | HoldStoreError>
  readonly release: (hostDid: string, day: number, bookingId: string) => Effect.Effect<void, HoldStoreError>
  readonly expire: (hostDid: string, day: number, bookingId: string) => Effect.Effect<void, HoldStoreError>
}>() {}
