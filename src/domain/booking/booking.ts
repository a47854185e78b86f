import { Schema } from "effect"
import { AtUri, Did, EpochMillis } from "../identifiers"
import { EventLocation } from "../eventTypes"
import { Conference } from "./meetingPlace"

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

/**
 * A guest's proposed new time, waiting for the host (absent or null: none). Written only by the booking's
 * engine; the meeting keeps its time until the host confirms. See `proposalOf` for when it lapses.
 */
const proposalFields = {
  proposedStartAt: Schema.optional(Schema.NullOr(EpochMillis)),
  proposedEndAt: Schema.optional(Schema.NullOr(EpochMillis)),
  proposedAt: Schema.optional(Schema.NullOr(EpochMillis))
}

/**
 * Where the meeting is (issue 15 item 5): the event type's location when it was matched, and the conference
 * the host's calendar made at confirmation (absent or null: none). `hostTz`: the host's zone at the match
 * (issue 15 item 6; absent on older rows).
 */
const placeFields = {
  location: Schema.optional(Schema.NullOr(Schema.parseJson(EventLocation))),
  conference: Schema.optional(Schema.NullOr(Schema.parseJson(Conference))),
  hostTz: Schema.optional(Schema.NullOr(Schema.String))
}

/** The longest title a booking keeps (UTF-16 units, as notifications carry it). */
export const MAX_BOOKING_TITLE = 200

/** What the meeting is called: its event type's name when matched (migration 0023; absent or null: "Meeting"). */
const titleFields = {
  title: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(MAX_BOOKING_TITLE))))
}

/** An event type's name as a booking keeps it: trimmed, cut to MAX_BOOKING_TITLE without splitting a character; undefined when empty. */
export const bookingTitleOf = (name: string): string | undefined => {
  let title = name.trim()
  if (title.length > MAX_BOOKING_TITLE) {
    title = title.slice(0, MAX_BOOKING_TITLE)
    if (/[\uD800-\uDBFF]$/.test(title)) title = title.slice(0, -1)
    title = title.trimEnd()
  }
  return title === "" ? undefined : title
}

/** The `title` field a match request (and so the booking) gets from its event type's name; none without one. */
export const titleFieldOf = (name: string | undefined): { readonly title?: string } => {
  const title = name === undefined ? undefined : bookingTitleOf(name)
  return title === undefined ? {} : { title }
}

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
  holdExpiresAt: Schema.NullOr(EpochMillis),
  ...proposalFields,
  ...placeFields,
  ...titleFields
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
  holdExpiresAt: Schema.optional(Schema.NullOr(EpochMillis)),
  ...proposalFields,
  ...placeFields,
  ...titleFields
})
export type BookingPatch = typeof BookingPatch.Type

export const BookingRole = Schema.Literal("host", "guest", "either")
export type BookingRole = typeof BookingRole.Type

/** A proposal lapses a week after it was made, or when the meeting starts, whichever comes first. */
export const PROPOSAL_LIFETIME_MS = 7 * 86_400_000

export interface RescheduleProposal {
  readonly startAt: number
  readonly endAt: number
  readonly proposedAt: number
  readonly expiresAt: number
}

/** The booking's open proposal at `now`, if any (a lapsed one counts as none). */
export const proposalOf = (booking: Booking, now: number): RescheduleProposal | undefined => {
  const { proposedStartAt: startAt, proposedEndAt: endAt, proposedAt } = booking
  if (startAt == null || endAt == null || proposedAt == null) return undefined
  if (booking.status !== "confirmed" && booking.status !== "rescheduled") return undefined
  const expiresAt = Math.min(booking.startAt, proposedAt + PROPOSAL_LIFETIME_MS)
  return now < expiresAt ? { startAt, endAt, proposedAt, expiresAt } : undefined
}

/** The patch that drops a booking's proposal. */
export const NO_PROPOSAL = { proposedStartAt: null, proposedEndAt: null, proposedAt: null } as const
