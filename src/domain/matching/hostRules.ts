import { Schema } from "effect"
import { DEFAULT_LIVE_HOLDS_PER_GUEST, MAX_LIVE_HOLDS_PER_GUEST } from "../holds/policy"
import { HostRules } from "../slots"

/**
 * What a host decides about bookings (private: stored in D1 through `app.overlap.settings.put`, never in a
 * record or another answer): the slot engine's rules (zone aside), who may move a meeting, and how many live
 * holds one guest may keep on the host's time.
 */
export const HostBookingRules = Schema.Struct({
  ...HostRules.omit("timeZone").fields,
  /**
   * Whether a guest may move a confirmed meeting themselves (within the offer and these rules). When false
   * (the default) only the host moves meetings; a guest who asks is refused and told to ask the host.
   */
  guestsMayReschedule: Schema.Boolean,
  /** One guest's live holds on this host's time at once (issue 12 item 1); DEFAULT_LIVE_HOLDS_PER_GUEST. */
  maxLiveHoldsPerGuest: Schema.Int.pipe(Schema.between(1, MAX_LIVE_HOLDS_PER_GUEST))
}).annotations({ identifier: "HostBookingRules" })
export type HostBookingRules = typeof HostBookingRules.Type

/**
 * The host rules of a host who set none (docs/host-rules.md): no buffers, 60 minutes' notice, a 15-minute
 * grid, no daily or weekly limit, no horizon beyond the offers, guests may not move meetings themselves, one
 * live hold per guest. The host's zone is the offer's unless the host's settings name one.
 */
export const DEFAULT_HOST_RULES: HostBookingRules = {
  bufferBeforeMin: 0,
  bufferAfterMin: 0,
  minimumNoticeMin: 60,
  slotStepMin: 15,
  guestsMayReschedule: false,
  maxLiveHoldsPerGuest: DEFAULT_LIVE_HOLDS_PER_GUEST
}

/** The slot engine's rules out of a host's rules, in the host's zone. */
export const slotRulesOf = (rules: HostBookingRules, timeZone: string): HostRules => {
  const { guestsMayReschedule: _, maxLiveHoldsPerGuest: __, ...slotRules } = rules
  return { ...slotRules, timeZone }
}

export const hostRulesIn = (timeZone: string): HostRules => slotRulesOf(DEFAULT_HOST_RULES, timeZone)

/** The slot engine's field paths (`guest.timeZone`) as the lexicon names them (`constraints.tz`). */
const LEXICON_FIELD: Readonly<Record<string, string>> = {
  "guest.timeZone": "tz",
  "guest.durationMin": "durationMin",
  "guest.durationMax": "durationMax",
  "guest.earliest": "earliest",
  "guest.latest": "latest",
  "guest.weekdays": "days"
}

/** `prefix` + the lexicon's name of an invalid slot-engine field; offers and rules keep their own path. */
export const lexiconField = (field: string, prefix: string): string => {
  const known = LEXICON_FIELD[field] ?? Object.entries(LEXICON_FIELD).find(([k]) => field.startsWith(`${k}[`))?.[1]
  return known !== undefined ? `${prefix}${known}` : field
}
