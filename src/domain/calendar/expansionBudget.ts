import ICAL from "ical.js"

/**
 * What expanding recurring events may cost, per series and per calendar (issue 12, item 7). A rule can
 * look harmless and have no instance at all (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31`): ical.js's `next()` then
 * walks the days forever, and one such event (an e-mailed invitation the server files by itself is enough)
 * stopped busy time for its owner. Work is counted in steps, each about one candidate date ical.js looks at
 * (a few to twenty microseconds), and in wall time. A series that runs out counts busy for its whole span:
 * guessing "free" would double-book.
 *
 * Wall time: deployed Workers advance `Date.now()` only across I/O, so inside one synchronous expansion the
 * time limits bind only where the clock runs (Node, `wrangler dev`); the step limits bind everywhere.
 */
export interface ExpansionLimits {
  /** Instances expanded per series; past it the rest of the range, from the last instance on, counts busy. */
  readonly maxInstancesPerSeries: number
  /** Steps one series may take (EXDATE / RDATE values count DATE_STEPS each: ical.js sorts them up front). */
  readonly maxStepsPerSeries: number
  /** Steps all series of one calendar may take together; once spent, the calendar's remaining series count busy. */
  readonly maxStepsPerCalendar: number
  readonly maxMsPerSeries: number
  readonly maxMsPerCalendar: number
}

export const DEFAULT_EXPANSION_LIMITS: ExpansionLimits = {
  maxInstancesPerSeries: 20_000,
  // A monthly "last weekday" series begun in 2000 takes about 30,000 steps to reach today.
  maxStepsPerSeries: 50_000,
  maxStepsPerCalendar: 250_000,
  // Above what the step limits cost on a slow machine: the time limits are the backstop where steps undercount.
  maxMsPerSeries: 1_000,
  maxMsPerCalendar: 5_000
}

/**
 * Limits from the `RECURRENCE_LIMITS` var: JSON with any of the keys above as positive integers. A key that is
 * missing, unknown or not a positive integer keeps its default, so a typo cannot switch a bound off.
 */
export const parseExpansionLimits = (text: string | undefined): ExpansionLimits => {
  if (text === undefined || text.trim() === "") return DEFAULT_EXPANSION_LIMITS
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return DEFAULT_EXPANSION_LIMITS
  }
  if (typeof parsed !== "object" || parsed === null) return DEFAULT_EXPANSION_LIMITS
  const given = parsed as Record<string, unknown>
  const pick = (key: keyof ExpansionLimits): number => {
    const value = given[key]
    return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_EXPANSION_LIMITS[key]
  }
  return {
    maxInstancesPerSeries: pick("maxInstancesPerSeries"),
    maxStepsPerSeries: pick("maxStepsPerSeries"),
    maxStepsPerCalendar: pick("maxStepsPerCalendar"),
    maxMsPerSeries: pick("maxMsPerSeries"),
    maxMsPerCalendar: pick("maxMsPerCalendar")
  }
}

/** Which bound a series hit; `invalid-rule` when ical.js itself gave up on the rule (it is not RFC 5545). */
export type ExpansionLimit =
  | "series-instances"
  | "series-steps"
  | "series-time"
  | "calendar-steps"
  | "calendar-time"
  | "invalid-rule"

/** One EXDATE or RDATE value costs about this many steps (ical.js sorts them when the iterator is made). */
export const DATE_STEPS = 4

export class ExpansionLimitReached extends Error {
  override readonly name = "ExpansionLimitReached"
  constructor(readonly limit: ExpansionLimit) {
    super(`recurrence expansion stopped: ${limit}`)
  }
}

export interface ExpansionBudget {
  /** Starts a series; returns the calendar's limit instead when the calendar has nothing left to spend. */
  readonly startSeries: () => ExpansionLimit | undefined
  /** Spends steps of the current series; throws ExpansionLimitReached past a limit. */
  readonly charge: (steps: number) => void
  /** Runs `f` (synchronous) with ical.js's recurrence iterators charging this budget. */
  readonly metered: <A>(f: () => A) => A
}

export const makeExpansionBudget = (limits: ExpansionLimits, clock: () => number = Date.now): ExpansionBudget => {
  const calendarDeadline = clock() + limits.maxMsPerCalendar
  let calendarSteps = 0
  let seriesSteps = 0
  let seriesDeadline = Infinity

  const charge = (steps: number): void => {
    if (seriesSteps + steps > limits.maxStepsPerSeries) {
      // One series spends at most its own limit of the calendar's steps, however far past it a step reaches.
      calendarSteps += limits.maxStepsPerSeries - seriesSteps
      seriesSteps = limits.maxStepsPerSeries
      throw new ExpansionLimitReached("series-steps")
    }
    seriesSteps += steps
    calendarSteps += steps
    if (calendarSteps > limits.maxStepsPerCalendar) throw new ExpansionLimitReached("calendar-steps")
    const now = clock()
    if (now > calendarDeadline) throw new ExpansionLimitReached("calendar-time")
    if (now > seriesDeadline) throw new ExpansionLimitReached("series-time")
  }

  return {
    startSeries: () => {
      if (calendarSteps >= limits.maxStepsPerCalendar) return "calendar-steps"
      const now = clock()
      if (now > calendarDeadline) return "calendar-time"
      seriesSteps = 0
      seriesDeadline = now + limits.maxMsPerSeries
      return undefined
    },
    charge,
    metered: (f) => {
      installMeter()
      const previous = meter
      meter = charge
      try {
        return f()
      } finally {
        meter = previous
      }
    }
  }
}

// --- the meter inside ical.js ----------------------------------------------------------------------

/** Whoever is expanding right now (expansion is synchronous, so one at a time); nobody outside `metered`. */
let meter: ((steps: number) => void) | undefined

/**
 * The RecurIterator methods (ical.js 2.x) every unit of its work passes through: each candidate date its rule
 * loop tests, each day a BYDAY/BYSETPOS month scan looks at, each day an INTERVAL steps over one at a time
 * (`INTERVAL=100000000` is that many), and each year a YEARLY search expands. Should one be renamed, that
 * work goes uncounted here, and the tests with hostile rules (test/connectors/hostileRecurrence.test.ts) time out.
 */
const METERED: ReadonlyArray<readonly [string, (...args: Array<unknown>) => number]> = [
  ["check_contracting_rules", () => 1],
  ["is_day_in_byday", () => 1],
  ["increment_monthday", (days) => (typeof days === "number" && days > 1 ? days : 1)],
  ["expand_year_days", () => 10]
]

let installed = false
const installMeter = (): void => {
  if (installed) return
  installed = true
  const prototype = ICAL.RecurIterator.prototype as unknown as Record<string, unknown>
  for (const [name, cost] of METERED) {
    const original = prototype[name]
    if (typeof original !== "function") continue
    prototype[name] = function(this: unknown, ...args: Array<unknown>) {
      meter?.(cost(...args))
      return (original as (...a: Array<unknown>) => unknown).apply(this, args)
    }
  }
}
