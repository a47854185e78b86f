import { type FormEvent, useState } from "react"
import type { InputSchema as SetCalendarsInput } from "../../../src/lexicon/types/app/overlap/connector/setCalendars"
import type { ConnectorView } from "../../../src/lexicon/types/app/overlap/defs"
import { blocksName, calendarChanges, holdsValue } from "../lib/calendarChoices"

/**
 * Per calendar, "blocks my availability" (a checkbox), and across all of the person's calendars one "holds go
 * here" (a radio group: arrow keys move the choice). Saved with app.overlap.connector.setCalendars.
 */
export function CalendarChoices({ connectors, busy, save }: {
  readonly connectors: ReadonlyArray<ConnectorView>
  readonly busy: boolean
  readonly save: (changes: ReadonlyArray<SetCalendarsInput>) => Promise<unknown>
}) {
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const holds = form.get("holds")
    // The AppView refuses it too (400): a hold in a calendar that does not block would be offered again.
    const [holdsConnector, holdsCalendar] = typeof holds === "string" ? holds.split("\n") : []
    if (holdsConnector !== undefined && holdsCalendar !== undefined && form.get(blocksName(holdsConnector, holdsCalendar)) === null) {
      setProblem("The calendar your holds go to must block your availability: tick it, or choose another calendar for holds.")
      return
    }
    setProblem(undefined)
    const changes = calendarChanges(connectors, (c, cal) => form.get(blocksName(c, cal)) !== null, typeof holds === "string" ? holds : undefined)
    if (changes.length > 0) void save(changes)
  }
  // Re-mounted when the stored choices change, so the boxes show what was saved.
  const key = JSON.stringify(connectors.map((c) => [c.id, c.status, c.calendars]))
  return (
    <form key={key} className="card" onSubmit={submit} aria-labelledby="calendar-choices">
      <h2 id="calendar-choices">Which calendars count</h2>
      <p className="muted">Busy times in a calendar that blocks your availability keep guests from booking them. Held and booked meetings go to the one calendar marked “holds go here”, which must block your availability.</p>
      {problem !== undefined && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {connectors.filter((connector) => connector.calendars.length > 0).map((connector) => (
        <fieldset key={connector.id}>
          <legend>{connector.accountLabel ?? connector.provider}</legend>
          {connector.calendars.map((calendar) => {
            const name = calendar.name || calendar.id
            return (
              <div key={calendar.id}>
                <p style={{ margin: "8px 0 0", fontWeight: 600 }}>{name}{calendar.primary ? " (primary)" : ""}</p>
                <label className="check">
                  <input type="checkbox" name={blocksName(connector.id, calendar.id)} defaultChecked={calendar.checkBusy !== false} aria-label={`${name}: blocks my availability`} />
                  Blocks my availability
                </label>
                <label className="check">
                  <input
                    type="radio"
                    name="holds"
                    value={holdsValue(connector.id, calendar.id)}
                    defaultChecked={calendar.holds === true}
                    disabled={connector.status !== "active"}
                    aria-label={`${name}: holds go here`}
                  />
                  Holds go here
                </label>
              </div>
            )
          })}
        </fieldset>
      ))}
      <button type="submit" disabled={busy}>
        Save calendar choices
      </button>
    </form>
  )
}
