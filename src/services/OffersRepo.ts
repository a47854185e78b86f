import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { SqliteBoolean } from "./Columns"
import { AtUri, Did, EpochMillis } from "../domain/identifiers"
import { PolicyTier } from "../domain/policy"
import { DefsWeeklyRule } from "../lexicon/schemas"
import type { InvalidCursor, Page } from "./Page"
import type { RepositoryError } from "./RepositoryError"

/** An offer's policy tier, as indexed (domain/policy.ts holds the tiers). */
export const OfferPolicy = PolicyTier
export type OfferPolicy = PolicyTier

/** A weekly offer's hours, as its record states them (lexicon form: weekday names, local HH:MM). */
export const WeeklyRules = Schema.Array(DefsWeeklyRule)
export type WeeklyRules = typeof WeeklyRules.Type

/**
 * An `app.overlap.slotOffer` record as the firehose delivered it, at repo revision `rev`. `startAt`/`endAt` are
 * the record's start/end (a weekly offer's first window); `weekly` (null: a single-window offer) and its
 * validity bounds (null: from startAt / open-ended) are the weekly form (docs/records.md).
 */
const offerRecordFields = {
  uri: AtUri,
  did: Did,
  rkey: Schema.String,
  cid: Schema.String,
  rev: Schema.String,
  startAt: EpochMillis,
  endAt: EpochMillis,
  policy: OfferPolicy,
  tz: Schema.String,
  note: Schema.NullOr(Schema.String),
  createdAt: EpochMillis,
  weekly: Schema.optional(Schema.NullOr(WeeklyRules)),
  validFrom: Schema.optional(Schema.NullOr(EpochMillis)),
  validUntil: Schema.optional(Schema.NullOr(EpochMillis))
}

export const OfferRecord = Schema.Struct(offerRecordFields).pipe(
  Schema.filter((o) => o.endAt > o.startAt || "endAt must be after startAt")
)
export type OfferRecord = typeof OfferRecord.Type

/** A row of `offers_index`. */
export class IndexedOffer extends Schema.Class<IndexedOffer>("IndexedOffer")({
  ...offerRecordFields,
  weekly: Schema.NullOr(Schema.parseJson(WeeklyRules)),
  validFrom: Schema.NullOr(EpochMillis),
  validUntil: Schema.NullOr(EpochMillis),
  indexedAt: EpochMillis,
  hidden: SqliteBoolean
}) {}

export interface ListOffersByHost {
  readonly did: string
  /** Only offers whose availability meets [from, to) (a weekly offer: its validity range, see OfferRecord). */
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly limit: number
  readonly cursor?: string | undefined
  /** Hidden offers (deactivated / taken-down accounts) are left out unless asked for. */
  readonly includeHidden?: boolean | undefined
}

export class OffersRepo extends Context.Tag("overlap/OffersRepo")<OffersRepo, {
  /**
   * Indexes a create or update. Applied (true) only when `rev` is newer than the stored row's and
   * than a deletion of the same record; an older or repeated event changes nothing (false).
   * An update keeps the `hidden` flag.
   */
  readonly upsert: (offer: OfferRecord) => Effect.Effect<boolean, RepositoryError>
  /**
   * Indexes a delete at `rev`: removes the row unless it is newer, and leaves a tombstone so that an
   * older create arriving later is ignored. True when a row was removed.
   */
  readonly delete: (uri: string, rev: string) => Effect.Effect<boolean, RepositoryError>
  readonly get: (
    uri: string,
    options?: { readonly includeHidden?: boolean | undefined }
  ) => Effect.Effect<Option.Option<IndexedOffer>, RepositoryError>
  /** A host's offers by start time (earliest first), keyset-paginated by (start_at, uri). */
  readonly listByHost: (query: ListOffersByHost) => Effect.Effect<Page<IndexedOffer>, InvalidCursor | RepositoryError>
  /** Account deactivated / taken down: hide all the DID's offers. Returns how many changed. */
  readonly hideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  /** Account reactivated: show them again. Returns how many changed. */
  readonly unhideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  /** Account deleted: remove all the DID's offers. Returns how many were removed. */
  readonly purgeForDid: (did: string) => Effect.Effect<number, RepositoryError>
}>() {}
