import type { ExpansionLimit } from "./expansionBudget"

/** One series of one calendar that hit an expansion bound (icalBusy.ts) and counts busy for its whole span. */
export interface UnexpandedSeries {
  /** The calendar, as the owner can recognise it (a CalDAV collection path). */
  readonly calendar: string
  readonly limit: ExpansionLimit
}

const REASONS: Record<ExpansionLimit, string> = {
  "series-instances": "too many instances",
  "series-steps": "a rule too costly to expand",
  "series-time": "a rule too costly to expand",
  "calendar-steps": "the calendar's expansion budget was spent",
  "calendar-time": "the calendar's expansion budget was spent",
  "invalid-rule": "a rule that is not valid iCalendar"
}

/** Fits the lexicon's `connectorView.warning` (300 graphemes). */
const MAX_LENGTH = 300

/**
 * The connector warning its owner reads in listConnectors, or null when every series was expanded. It names
 * calendars, counts and reasons, never an event's time or contents (connector rows are not a place for busy time).
 */
export const expansionWarning = (unexpanded: ReadonlyArray<UnexpandedSeries>): string | null => {
  if (unexpanded.length === 0) return null
  const byCalendar = new Map<string, Map<string, number>>()
  for (const { calendar, limit } of unexpanded) {
    const reasons = byCalendar.get(calendar) ?? new Map<string, number>()
    reasons.set(REASONS[limit], (reasons.get(REASONS[limit]) ?? 0) + 1)
    byCalendar.set(calendar, reasons)
  }
  const parts = [...byCalendar].map(([calendar, reasons]) =>
    `${calendar}: ${[...reasons].map(([reason, n]) => `${n} (${reason})`).join(", ")}`
  )
  const n = unexpanded.length
  const text = `${n} recurring ${n === 1 ? "event counts" : "events count"} as busy for ${n === 1 ? "its" : "their"} whole span: ` +
    `Overlap could not expand ${n === 1 ? "it" : "them"} within its limits. ${parts.join("; ")}. Edit or delete ${n === 1 ? "it" : "them"} to free that time.`
  return [...text].length <= MAX_LENGTH ? text : [...text].slice(0, MAX_LENGTH - 1).join("") + "…"
}
