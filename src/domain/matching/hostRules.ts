import type { HostRules } from "../slots"

/** What a host decides about bookings: the slot engine's rules (zone aside) and who may move a meeting. */
export interface HostBookingRules extends Omit<HostRules, "timeZone"> {
  /**
   * Whether a guest may move a confirmed meeting themselves (within the offer and these rules). When false
   * (the default) only the host moves meetings; a guest who asks is refused and told to ask the host.
   */
  readonly guestsMayReschedule: boolean
}

/**
 * The host rules every match and every reschedule uses until hosts can set their own (no record or table
 * stores them yet): no buffers, 60 minutes' notice, a 15-minute grid, no daily limit, guests may not move
 * meetings themselves. The host's zone is the offer's.
 */
export const DEFAULT_HOST_RULES: HostBookingRules = {
  bufferBeforeMin: 0,
  bufferAfterMin: 0,
  minimumNoticeMin: 60,
  slotStepMin: 15,
  guestsMayReschedule: false
}

/** The slot engine's rules out of a host's rules, in the offer's zone. */
export const slotRulesOf = (rules: HostBookingRules, timeZone: string): HostRules => {
  const { guestsMayReschedule: _, ...slotRules } = rules
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
