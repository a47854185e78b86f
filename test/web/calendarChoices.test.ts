import { describe, expect, it } from "vitest"
import type { ConnectorView } from "../../src/lexicon/types/app/overlap/defs"
import { calendarChanges, holdsValue } from "../../web/app/lib/calendarChoices"

const connectors: ReadonlyArray<ConnectorView> = [
  {
    id: "caldav-a",
    provider: "caldav",
    status: "active",
    calendars: [{ id: "/work/", name: "Work", checkBusy: true, holds: true }, { id: "/family/", name: "Family", checkBusy: true }]
  },
  { id: "google-b", provider: "google", status: "active", calendars: [{ id: "me@example.com", name: "Me", primary: true, checkBusy: true }] },
  { id: "google-c", provider: "google", status: "pending", calendars: [] }
]
const as = (blocking: Record<string, boolean>) => (connectorId: string, calendarId: string) => blocking[`${connectorId} ${calendarId}`] ?? true

describe("/app/calendars: the page's choices as setCalendars calls", () => {
  it("nothing changed: no call", () => {
    expect(calendarChanges(connectors, as({}), holdsValue("caldav-a", "/work/"))).toEqual([])
  })

  it("a calendar stops blocking: one call for its connector with every calendar's choice", () => {
    expect(calendarChanges(connectors, as({ "caldav-a /family/": false }), holdsValue("caldav-a", "/work/"))).toEqual([
      { connectorId: "caldav-a", calendars: [{ id: "/work/", checkBusy: true }, { id: "/family/", checkBusy: false }] }
    ])
  })

  it("holds move to another connector's calendar: that call carries holdsTarget and comes last", () => {
    expect(calendarChanges(connectors, as({ "caldav-a /family/": false }), holdsValue("google-b", "me@example.com"))).toEqual([
      { connectorId: "caldav-a", calendars: [{ id: "/work/", checkBusy: true }, { id: "/family/", checkBusy: false }] },
      { connectorId: "google-b", calendars: [{ id: "me@example.com", checkBusy: true }], holdsTarget: "me@example.com" }
    ])
  })

  it("holds move within a connector", () => {
    expect(calendarChanges(connectors, as({}), holdsValue("caldav-a", "/family/"))).toEqual([
      { connectorId: "caldav-a", calendars: [{ id: "/work/", checkBusy: true }, { id: "/family/", checkBusy: true }], holdsTarget: "/family/" }
    ])
  })
})
