import type { DefsConnectorView } from "../../lexicon/schemas"
import { holdsCalendarOf } from "../../domain/calendar/holdsCalendar"
import type { Connector } from "../../services/ConnectorsRepo"

const iso = (ms: number): string => new Date(ms).toISOString()

/** At most `max` characters (the lexicon's grapheme limits are at least this many characters). */
const clip = (text: string, max: number) => ([...text].length <= max ? text : [...text].slice(0, max - 1).join("") + "…")

/** A URL as it may be shown: no userinfo, no query. */
const displayUrl = (text: string): string => {
  try {
    const url = new URL(text)
    return `${url.origin}${url.pathname}`
  } catch {
    return ""
  }
}

/**
 * A connector as its owner sees it: provider, status, account, calendars, last sync, a warning. Built field by field
 * from an allow-list, so no credential column (ciphertext, key id, token expiry) can reach the answer.
 * `takesHolds`: this connector is where the owner's holds go (effectiveHoldsTarget), so one of its calendars is
 * marked `holds` — the one chosen, else the one the provider writes to by default.
 */
export const toConnectorView = (connector: Connector, takesHolds = false): DefsConnectorView => {
  const holdsCalendar = takesHolds ? holdsCalendarOf(connector.calendars) : undefined
  const label = connector.accountRef === null ? "" : connector.provider === "caldav" ? displayUrl(connector.accountRef) : connector.accountRef
  return {
    id: connector.id,
    provider: connector.provider,
    status: connector.status === "removed" ? "broken" : connector.status,
    ...(label === "" ? {} : { accountLabel: clip(label, 256) }),
    calendars: connector.calendars.slice(0, 100).map((calendar) => ({
      id: calendar.id.slice(0, 1024),
      name: clip(calendar.name, 100),
      ...(calendar.primary === undefined ? {} : { primary: calendar.primary }),
      checkBusy: calendar.checkBusy,
      ...(calendar.id === holdsCalendar ? { holds: true } : {})
    })),
    ...(connector.lastSyncAt === null ? {} : { lastSyncAt: iso(connector.lastSyncAt) }),
    ...(connector.warning === null || connector.status === "removed" ? {} : { warning: clip(connector.warning, 300) })
  }
}
