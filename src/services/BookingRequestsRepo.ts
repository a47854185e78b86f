import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"
import { SqliteBoolean } from "./Columns"
import { AtUri, Did, EpochMillis } from "../domain/identifiers"
import type { InvalidCursor, Page } from "./Page"
import type { RepositoryError } from "./RepositoryError"

export const BookingRequestStatus = Schema.Literal("pending", "held", "declined", "confirmed")
export type BookingRequestStatus = typeof BookingRequestStatus.Type

/** The guest's constraints from the record (see lexicons/app/overlap/bookingRequest.json). */
export const BookingConstraints = Schema.Struct({
  durationMin: Schema.Int,
  durationMax: Schema.Int,
  earliest: Schema.optional(Schema.String),
  latest: Schema.optional(Schema.String),
  days: Schema.optional(Schema.Array(Schema.String)),
  tz: Schema.String
})
export type BookingConstraints = typeof BookingConstraints.Type

/** An `app.overlap.bookingRequest` record as the firehose delivered it, at repo revision `rev`. */
export const BookingRequestRecord = Schema.Struct({
  uri: AtUri,
  guestDid: Did,
  hostDid: Did,
  rkey: Schema.String,
  cid: Schema.String,
  rev: Schema.String,
  offerUri: Schema.NullOr(AtUri),
  /** The host's event type the request books (slug or AT URI), when the record names one. */
  eventType: Schema.optional(Schema.NullOr(Schema.String)),
  constraints: BookingConstraints,
  /** The record's own status: taken when the request is first indexed, then owned by setStatus. */
  status: BookingRequestStatus,
  note: Schema.NullOr(Schema.String),
  createdAt: EpochMillis
})
export type BookingRequestRecord = typeof BookingRequestRecord.Type

/** A row of `booking_requests`. */
export class IndexedBookingRequest extends Schema.Class<IndexedBookingRequest>("IndexedBookingRequest")({
  ...BookingRequestRecord.fields,
  /** stored as JSON text */
  constraints: Schema.parseJson(BookingConstraints),
  eventType: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  indexedAt: EpochMillis,
  hidden: SqliteBoolean,
  /** Why Overlap declined the request (e.g. `TooManyHolds`, `RateLimited`, `NoSlotAvailable`); null otherwise. */
  statusReason: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}) {}

export interface ListBookingRequests {
  readonly did: string
  readonly limit: number
  readonly cursor?: string | undefined
  readonly status?: BookingRequestStatus | undefined
  readonly includeHidden?: boolean | undefined
}

export class BookingRequestNotFound extends Schema.TaggedError<BookingRequestNotFound>()(
  "BookingRequestNotFound",
  { uri: Schema.String }
) {}

export class BookingRequestsRepo extends Context.Tag("overlap/BookingRequestsRepo")<BookingRequestsRepo, {
  /**
   * Indexes a create or update, applied (true) only when `rev` is newer than the stored row and than
   * any delete of the record. An update keeps the stored status and hidden flag.
   */
  readonly upsert: (request: BookingRequestRecord) => Effect.Effect<boolean, RepositoryError>
  /** Indexes a delete at `rev` (tombstoned, see OffersRepo.delete). True when a row was removed. */
  readonly delete: (uri: string, rev: string) => Effect.Effect<boolean, RepositoryError>
  readonly get: (
    uri: string,
    options?: { readonly includeHidden?: boolean | undefined }
  ) => Effect.Effect<Option.Option<IndexedBookingRequest>, RepositoryError>
  /** The visible requests among `uris` (at most 100), in no particular order; one read for a page of bookings. */
  readonly getMany: (uris: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<IndexedBookingRequest>, RepositoryError>
  /** Requests addressed to a host, newest first, keyset-paginated by (created_at, uri). */
  readonly listByHost: (
    query: ListBookingRequests
  ) => Effect.Effect<Page<IndexedBookingRequest>, InvalidCursor | RepositoryError>
  /** Requests a guest wrote, newest first, keyset-paginated by (created_at, uri). */
  readonly listByGuest: (
    query: ListBookingRequests
  ) => Effect.Effect<Page<IndexedBookingRequest>, InvalidCursor | RepositoryError>
  /** Sets the status and its reason (`reason` absent: none, e.g. `held`). */
  readonly setStatus: (
    uri: string,
    status: BookingRequestStatus,
    reason?: string
  ) => Effect.Effect<IndexedBookingRequest, BookingRequestNotFound | RepositoryError>
  /** The records a DID wrote (as guest): hide on deactivation/takedown, unhide, purge on deletion. */
  readonly hideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly unhideForDid: (did: string) => Effect.Effect<number, RepositoryError>
  readonly purgeForDid: (did: string) => Effect.Effect<number, RepositoryError>
}>() {}
