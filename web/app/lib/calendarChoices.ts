import type { InputSchema as SetCalendarsInput } from "../../../src/lexicon/types/app/overlap/connector/setCalendars"
import type { ConnectorView } from "../../../src/lexicon/types/app/overlap/defs"

/** The radio value of one calendar in the "holds go here" group (connector and calendar ids, joined by a newline). */
export const holdsValue = (connectorId: string, calendarId: string) => `${connectorId}\n${calendarId}`

/** The checkbox name of one calendar's "blocks my availability". */
export const blocksName = (connectorId: string, calendarId: string) => `blocks\n${connectorId}\n${calendarId}`

/**
 * The setCalendars calls that turn the page's choices into what the AppView stores: one per connector whose
 * calendars changed (or that now takes the holds), the holds one last. `blocks(connector, calendar)` reads a
 * checkbox; `holds` is the checked radio's value, if any.
 */
export const calendarChanges = (
  connectors: ReadonlyArray<ConnectorView>,
  blocks: (connectorId: string, calendarId: string) => boolean,
  holds: string | undefined
): ReadonlyArray<SetCalendarsInput> => {
  const changes: Array<SetCalendarsInput> = []
  let holdsChange: SetCalendarsInput | undefined
  for (const connector of connectors) {
    if (connector.calendars.length === 0) continue
    const calendars = connector.calendars.map((calendar) => ({ id: calendar.id, checkBusy: blocks(connector.id, calendar.id) }))
    const chosen = connector.calendars.find((calendar) => holdsValue(connector.id, calendar.id) === holds)
    const movesHolds = chosen !== undefined && chosen.holds !== true
    const changed = connector.calendars.some((calendar, i) => (calendar.checkBusy ?? true) !== calendars[i]!.checkBusy)
    if (movesHolds) holdsChange = { connectorId: connector.id, calendars, holdsTarget: chosen.id }
    else if (changed) changes.push({ connectorId: connector.id, calendars })
  }
  return holdsChange === undefined ? changes : [...changes, holdsChange]
}
