import { Schema } from "effect"
import { AtUri, Did, EpochMillis } from "../identifiers"

/** A booking between a host and a guest, as stored and as every part of Overlap sees it. */

export const BookingStatus = Schema.Literal(
  "pending",
  "held",
  "confirmed",
  "declined",
  "expired",
  "canceled",
  "rescheduled"
)
export type BookingStatus = typeof BookingStatus.Type

const bookingFields = {
  id: Schema.NonEmptyString,
  hostDid: Did,
  guestDid: Did,
  requestUri: Schema.NullOr(AtUri),
  offerUri: Schema.NullOr(AtUri),
  status: BookingStatus,
  /** The exact meeting time: only the host and the guest ever see it. */
  startAt: EpochMillis,
  endAt: EpochMillis,
  tz: Schema.String,
  /** ICS SEQUENCE of the latest invitation. */
  sequence: Schema.NonNegativeInt,
  icsR2Key: Schema.NullOr(Schema.String),
  holdExpiresAt: Schema.NullOr(EpochMillis)
}

/** The rules the table's CHECK constraints enforce, for every shape of a booking. */
const bookingInvariants = <A extends { readonly startAt: number; readonly endAt: number; readonly status: BookingStatus; readonly holdExpiresAt: number | null }>(
  b: A
) =>
  b.endAt <= b.startAt
    ? "endAt must be after startAt"
    : b.status === "held" && b.holdExpiresAt === null
    ? "a held booking needs holdExpiresAt"
    : true

/** What `create` needs: everything but the bookkeeping columns. */
export const NewBooking = Schema.Struct(bookingFields).pipe(Schema.filter(bookingInvariants))
export type NewBooking = typeof NewBooking.Type

/** A row of `bookings`. `version` increases by one with every write (compare-and-set). */
export class Booking extends Schema.Class<Booking>("Booking")(
  Schema.Struct({
    ...bookingFields,
    createdAt: EpochMillis,
    updatedAt: EpochMillis,
    version: Schema.Int.pipe(Schema.positive())
  }).pipe(Schema.filter(bookingInvariants))
) {}

/** The columns a transition may change; absent means unchanged, null clears a nullable column. */
export const BookingPatch = Schema.Struct({
  status: Schema.optional(BookingStatus),
  startAt: Schema.optional(EpochMillis),
  endAt: Schema.optional(EpochMillis),
  tz: Schema.optional(Schema.String),
  sequence: Schema.optional(Schema.NonNegativeInt),
  icsR2Key: Schema.optional(Schema.NullOr(Schema.String)),
  holdExpiresAt: Schema.optional(Schema.NullOr(EpochMillis))
})
export type BookingPatch = typeof BookingPatch.Type

export const BookingRole = Schema.Literal("host", "guest", "either")
export type BookingRole = typeof BookingRole.Type
