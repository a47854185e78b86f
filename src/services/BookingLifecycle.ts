import type { Effect } from "effect"
import { HttpApiSchema } from "@effect/platform"
import { Context, Schema } from "effect"
import { DefsConstraints } from "../lexicon/schemas"
import { SlotInputInvalid } from "../domain/slots"
import { HostBookingRules } from "../domain/matching/hostRules"
import { BookingNotFound } from "./BookingsRepo"
import { Booking, BookingStatus } from "../domain/booking/booking"
import { CalendarUnavailable, NoSlotAvailable } from "./HoldStore"
import { NotParticipant } from "./NotParticipant"
import { ApiError } from "./ApiError"

/**
 * The booking state machine as the API sees it: finalize, decline, cancel, reschedule. Every command for one
 * booking is serialized through that booking's `BookingDO` (Live, src/adapters/objects/BookingLifecycleLive.ts);
 * `BookingLifecycleInProcess` runs the same engine (src/features/bookings/BookingEngine.ts) in memory.
 */

// ---------------------------------------------------------------- commands

export const LifecycleCommand = Schema.Struct({
  bookingId: Schema.String,
  callerDid: Schema.String,
  reason: Schema.optional(Schema.String)
})
export type LifecycleCommand = typeof LifecycleCommand.Type

/**
 * What a guest's reschedule may use, found by the AppView where the offers and the social graph are (the tier
 * as it is now): the host's bookable offer windows and the host's rules. A guest's command without it is refused.
 */
export const RescheduleAccess = Schema.Struct({
  offers: Schema.Array(Schema.Struct({
    startAt: Schema.Number,
    endAt: Schema.Number,
    tz: Schema.String,
    // a weekly offer's hours (domain/matching/offerShape.ts)
    weekly: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ days: Schema.Array(Schema.String), start: Schema.String, end: Schema.String })))),
    validFrom: Schema.optional(Schema.NullOr(Schema.Number)),
    validUntil: Schema.optional(Schema.NullOr(Schema.Number))
  })),
  rules: HostBookingRules,
  /** The host's zone for its days, weeks and date overrides (the settings' zone, else the offer's). */
  hostTz: Schema.optional(Schema.String)
})
export type RescheduleAccess = typeof RescheduleAccess.Type

export const RescheduleCommand = Schema.Struct({
  ...LifecycleCommand.fields,
  constraints: Schema.optional(DefsConstraints),
  slot: Schema.optional(Schema.Struct({ start: Schema.String, end: Schema.String })),
  access: Schema.optional(RescheduleAccess)
})
export type RescheduleCommand = typeof RescheduleCommand.Type

// ---------------------------------------------------------------- errors (all cross the RPC boundary encoded)

export { NotParticipant }

/** The booking's state does not allow the command, or it changed while the command waited (409, names the state). */
export class TransitionRefused extends Schema.TaggedError<TransitionRefused>()("TransitionRefused", {
  from: BookingStatus,
  command: Schema.String,
  message: Schema.String
}) {}

/** The participant may not give this command, e.g. the guest finalizing (403). */
export class ActionNotAllowed extends Schema.TaggedError<ActionNotAllowed>()("ActionNotAllowed", {
  actor: Schema.String,
  command: Schema.String,
  message: Schema.String
}) {}

/** The hold lapsed before it was finalized (410). */
export class HoldExpired extends Schema.TaggedError<HoldExpired>()(
  "HoldExpired",
  { bookingId: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 410 })
) {
  constructor(props: { readonly bookingId: string; readonly message?: string }, options?: Schema.MakeOptions) {
    super({ ...props, message: props.message ?? "the hold lapsed before it was finalized; match again" }, options)
  }
}

/**
 * Constraints that cannot be satisfied as given (400); the message begins with the field (`constraints.tz: …`).
 * Reschedule input too: neither or both of constraints and slot, or an unreadable slot.
 */
export class InvalidConstraints extends ApiError<InvalidConstraints>()("InvalidConstraints", 400) {}

/** A store (D1, the booking or hold object) failed; nothing the caller did, nothing changed. Retryable (503). */
export class BookingUnavailable extends Schema.TaggedError<BookingUnavailable>()(
  "BookingUnavailable",
  { message: Schema.String, cause: Schema.Defect },
  HttpApiSchema.annotations({ status: 503 })
) {}

export const LifecycleError = Schema.Union(
  BookingNotFound,
  NotParticipant,
  TransitionRefused,
  ActionNotAllowed,
  HoldExpired,
  InvalidConstraints,
  NoSlotAvailable,
  CalendarUnavailable,
  SlotInputInvalid,
  BookingUnavailable
)
export type LifecycleError = typeof LifecycleError.Type

/** What every RPC method of BookingDO answers, encoded. */
export const LifecycleReply = Schema.Either({ right: Booking, left: LifecycleError })
export type LifecycleReplyEncoded = typeof LifecycleReply.Encoded

export interface BookingRpc {
  finalize(command: typeof LifecycleCommand.Encoded): Promise<LifecycleReplyEncoded>
  decline(command: typeof LifecycleCommand.Encoded): Promise<LifecycleReplyEncoded>
  cancel(command: typeof LifecycleCommand.Encoded): Promise<LifecycleReplyEncoded>
  reschedule(command: typeof RescheduleCommand.Encoded): Promise<LifecycleReplyEncoded>
  confirmReschedule(command: typeof LifecycleCommand.Encoded): Promise<LifecycleReplyEncoded>
  declineReschedule(command: typeof LifecycleCommand.Encoded): Promise<LifecycleReplyEncoded>
}

export class BookingLifecycle extends Context.Tag("overlap/BookingLifecycle")<BookingLifecycle, {
  /** held → confirmed (host): confirms both calendar holds, sends the invitation (SEQUENCE + 1). */
  readonly finalize: (command: LifecycleCommand) => Effect.Effect<Booking, LifecycleError>
  /** held → declined (host): releases both holds. */
  readonly decline: (command: LifecycleCommand) => Effect.Effect<Booking, LifecycleError>
  /** held → canceled (guest) or confirmed/rescheduled → canceled (either): releases both calendars, METHOD:CANCEL. */
  readonly cancel: (command: LifecycleCommand) => Effect.Effect<Booking, LifecycleError>
  /** confirmed/rescheduled → rescheduled (either): moved in place by the host object (HoldStore.reschedule): same booking, same calendar events, a new time. */
  readonly reschedule: (command: RescheduleCommand) => Effect.Effect<Booking, LifecycleError>
  /** (host) takes the guest's open proposal: moved as the host's own reschedule moves it; taken since → 409, proposal dropped. */
  readonly confirmReschedule: (command: LifecycleCommand) => Effect.Effect<Booking, LifecycleError>
  /** (host) drops the guest's open proposal; the meeting keeps its time. */
  readonly declineReschedule: (command: LifecycleCommand) => Effect.Effect<Booking, LifecycleError>
}>() {}
