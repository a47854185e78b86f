import { Schema } from "effect"
import { AtUri, Did } from "../identifiers"
import { GuestConstraints, HostRules, Instant, Offer } from "../slots"
import { EventLocation } from "../eventTypes"
import { MAX_BOOKING_TITLE } from "../booking/booking"
import { MAX_HOLD_TTL_MS, MAX_LIVE_HOLDS_PER_GUEST, MIN_HOLD_TTL_MS } from "./policy"

/** What a guest asks of a host's time: the offers it may use, both people's constraints, the hold's terms. */
export const MatchRequest = Schema.Struct({
  hostDid: Did,
  guestDid: Did,
  /** The booking this hold belongs to: a match is idempotent per booking id. */
  bookingId: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)),
  /** The host's offer windows this booking may use. */
  offers: Schema.Array(Offer),
  guest: GuestConstraints,
  host: HostRules,
  /** The instant the slot engine counts notice from; the object's clock when absent. */
  now: Schema.optional(Instant),
  /** Title of the tentative events (never carries anyone's busy time). */
  summary: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  offerUri: Schema.optional(AtUri),
  requestUri: Schema.optional(AtUri),
  /** Where the meeting takes place (the event type's location), kept on the booking for its confirmation. */
  location: Schema.optional(EventLocation),
  /** What the meeting is called (the event type's name), kept on the booking for its notifications. */
  title: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_BOOKING_TITLE))),
  /** How long the hold lives; 15 minutes when absent. */
  holdTtlMs: Schema.optional(Schema.Int.pipe(Schema.between(MIN_HOLD_TTL_MS, MAX_HOLD_TTL_MS))),
  /**
   * The host's limit on this guest's live holds on the host's time (the host's setting; absent:
   * DEFAULT_LIVE_HOLDS_PER_GUEST). No store of per-host settings exists yet, so today every caller leaves
   * it out; whoever builds the request from the host's rules sets it once hosts can.
   */
  liveHoldsPerGuest: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_LIVE_HOLDS_PER_GUEST))),
  /** How long to wait for free/busy before answering with a token (2 s when absent). */
  budgetMs: Schema.optional(Schema.Int.pipe(Schema.between(1, 60_000)))
}).annotations({ identifier: "MatchRequest" })
export type MatchRequest = typeof MatchRequest.Type
