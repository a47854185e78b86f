import type { Effect } from "effect"
import { HttpApiSchema } from "@effect/platform"
import { Context, Schema } from "effect"
import { type Booking, type BookingPatch, type BookingRole, BookingStatus, type NewBooking } from "../domain/booking/booking"
import type { InvalidCursor, Page } from "./Page"
import type { RepositoryError } from "./RepositoryError"

export interface ListBookingsForDid {
  readonly did: string
  readonly role: BookingRole
  readonly limit: number
  readonly cursor?: string | undefined
  /** Only these statuses (all when absent). */
  readonly statuses?: ReadonlyArray<BookingStatus> | undefined
}

/** No booking with this id (or none the caller takes part in: a non-participant is not told it exists). */
export class BookingNotFound extends Schema.TaggedError<BookingNotFound>()(
  "BookingNotFound",
  { id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  constructor(props: { readonly id: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? `no booking ${props.id}` }, options)
  }
}

export class BookingAlreadyExists extends Schema.TaggedError<BookingAlreadyExists>()("BookingAlreadyExists", {
  id: Schema.String
}) {}

/** Someone else wrote the booking since `expectedVersion` was read: re-read and decide again. */
export class BookingVersionConflict extends Schema.TaggedError<BookingVersionConflict>()("BookingVersionConflict", {
  id: Schema.String,
  expectedVersion: Schema.Int,
  actualVersion: Schema.Int
}) {}

export class BookingsRepo extends Context.Tag("overlap/BookingsRepo")<BookingsRepo, {
  /** Inserts at version 1, created/updated now. */
  readonly create: (booking: NewBooking) => Effect.Effect<Booking, BookingAlreadyExists | RepositoryError>
  readonly get: (id: string) => Effect.Effect<Booking, BookingNotFound | RepositoryError>
  /**
   * Compare-and-set: applies `patch` only if the stored version is still `expectedVersion`, and
   * returns the booking at version + 1.
   */
  readonly transition: (
    id: string,
    expectedVersion: number,
    patch: BookingPatch
  ) => Effect.Effect<Booking, BookingNotFound | BookingVersionConflict | RepositoryError>
  /**
   * A DID's bookings as host, guest or either, newest first (created_at, then id, descending),
   * keyset-paginated: rows inserted between pages never shift or repeat later pages.
   */
  readonly listForDid: (query: ListBookingsForDid) => Effect.Effect<Page<Booking>, InvalidCursor | RepositoryError>
  /** Held bookings whose hold expired at or before `now`, soonest expiry first (expire-holds cron). */
  readonly listExpiredHolds: (now: number, limit: number) => Effect.Effect<ReadonlyArray<Booking>, RepositoryError>
}>() {}
