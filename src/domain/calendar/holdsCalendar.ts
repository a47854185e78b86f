/** What a connector's calendar list says about one calendar (the stored entries and the views both fit). */
export interface CalendarChoiceEntry {
  readonly id: string
  readonly checkBusy: boolean
  readonly primary?: boolean | undefined
  readonly holds?: boolean | undefined
}

/** The calendar of a connector the owner chose for holds; undefined: none chosen (the provider's default applies). */
export const chosenHoldsCalendar = (calendars: ReadonlyArray<CalendarChoiceEntry>): string | undefined =>
  calendars.find((calendar) => calendar.holds === true)?.id

/**
 * The calendar a connector writes holds to when it is the holds target: the one chosen, else the provider's default
 * (the primary calendar — Google, Microsoft —, else the first that blocks, else the first: CalDAV).
 */
export const holdsCalendarOf = (calendars: ReadonlyArray<CalendarChoiceEntry>): string | undefined =>
  chosenHoldsCalendar(calendars) ??
    (calendars.find((calendar) => calendar.primary === true) ?? calendars.find((calendar) => calendar.checkBusy) ?? calendars[0])?.id
