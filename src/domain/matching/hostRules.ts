import type { HostRules } from "../slots"

/**
 * The host rules every match uses until hosts can set their own (no record or table stores them yet):
 * no buffers, 60 minutes' notice, a 15-minute grid, no daily limit. The host's zone is the offer's.
 */
export const DEFAULT_HOST_RULES: Omit<HostRules, "timeZone"> = {
  bufferBeforeMin: 0,
  bufferAfterMin: 0,
  minimumNoticeMin: 60,
  slotStepMin: 15
}

export const hostRulesIn = (timeZone: string): HostRules => ({ ...DEFAULT_HOST_RULES, timeZone })

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
