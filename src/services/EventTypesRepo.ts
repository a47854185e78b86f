import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { SqliteBoolean } from "./Columns"
import { AtUri, Did, EpochMillis } from "../domain/identifiers"
import { EventLocation } from "../domain/eventTypes"
import { PolicyTier } from "../domain/policy"
import type { RepositoryError } from "./RepositoryError"

/**
 * An `app.overlap.eventType` record as the firehose delivered it, at repo revision `rev` (issue 15 item 2).
 * `durations` ascending; `location` the record's union member (null: to be agreed); `offers` the slotOffer
 * URIs it draws on (null: all of the host's).
 */
const eventTypeFields = {
  uri: AtUri,
  did: Did,
  rkey: Schema.String,
  cid: Schema.String,
  rev: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  durations: Schema.Array(Schema.Int),
  location: Schema.NullOr(EventLocation),
  policy: PolicyTier,
  offers: Schema.NullOr(Schema.Array(Schema.String)),
  createdAt: EpochMillis
}

export const EventTypeRecord = Schema.Struct(eventTypeFields)
export type EventTypeRecord = typeof EventTypeRecord.Type

/** A row of `event_types_index` (JSON columns decoded). */
export class IndexedEventType extends Schema.Class<IndexedEventType>("IndexedEventType")({
  ...eventTypeFields,
  durations: Schema.parseJson(Schema.Array(Schema.Int)),
  location: Schema.NullOr(Schema.parseJson(EventLocation)),
  offers: Schema.NullOr(Schema.parseJson(Schema.Array(Schema.String))),
  indexedAt: EpochMillis,
  hidden: SqliteBoolean
}) {}

/** Most event types one host's listing returns. */
export const MAX_EVENT_TYPES_PER_HOST = 100

export class EventTypesRepo extends Context.Tag("overlap/EventTypesRepo")<EventTypesRepo, {
  /** Indexes a create or update; applied (true) only when `rev` is newer than the row's and than a deletion. */
  readonly upsert: (eventType: EventTypeRecord) => Effect.Effect<boolean, RepositoryError>
  /** Indexes a delete at `rev` (leaves a tombstone). True when a row was removed. */
  readonly delete: (uri: string, rev: string) => Effect.Effect<boolean, RepositoryError>
  readonly get: (uri: string) => Effect.Effect<Option.Option<IndexedEventType>, RepositoryError>
  readonly getBySlug: (did: string, slug: string) => Effect.Effect<Option.Option<IndexedEventType>, RepositoryError>
  /** A host's visible event types by slug (at most MAX_EVENT_TYPES_PER_HOST); `includeHidden`: hidden ones too (drift repair). */
  readonly listByHost: (did: string, options?: { readonly includeHidden?: boolean }) => Effect.Effect<ReadonlyArray<IndexedEventType>, RepositoryError>
  readonly hideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly unhideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly purgeForDid: (did: string) => Effect.Effect<number, RepositoryError>
}>() {}
