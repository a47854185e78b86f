import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import ICAL from "ical.js"
import { type Invitation, renderInvitation } from "../../src/domain/invitation"
import { IcsStoreTest } from "../../src/adapters/memory/IcsStoreTest"
import { IcsStore } from "../../src/services/IcsStore"
import { confirmInvitation, END, GUEST, HOST, START, STAMP } from "./fixtures"

// Every file is parsed back with ical.js, the independent reader; the raw text is checked against RFC 5545's
// line rules, which the parser would forgive.
const parse = (ics: string) => {
  const calendar = new ICAL.Component(ICAL.parse(ics))
  const events = calendar.getAllSubcomponents("vevent")
  expect(events).toHaveLength(1)
  const event = events[0]!
  const utc = (name: string) => {
    const time = event.getFirstPropertyValue(name) as ICAL.Time
    expect(time.zone?.tzid, `${name} is UTC`).toBe("UTC")
    return time.toJSDate().getTime()
  }
  const address = (name: string) => {
    const property = event.getFirstProperty(name)!
    return { value: property.getFirstValue() as string, cn: property.getParameter("cn") }
  }
  return {
    method: calendar.getFirstPropertyValue("method"),
    prodid: calendar.getFirstPropertyValue("prodid"),
    version: calendar.getFirstPropertyValue("version"),
    zone: calendar.getFirstPropertyValue("x-wr-timezone"),
    uid: event.getFirstPropertyValue("uid"),
    sequence: event.getFirstPropertyValue("sequence"),
    status: event.getFirstPropertyValue("status"),
    summary: event.getFirstPropertyValue("summary"),
    dtstamp: utc("dtstamp"),
    dtstart: utc("dtstart"),
    dtend: utc("dtend"),
    organizer: address("organizer"),
    attendees: event.getAllProperties("attendee").map((p) => ({
      value: p.getFirstValue() as string,
      partstat: p.getParameter("partstat"),
      role: p.getParameter("role")
    }))
  }
}

const checkLines = (ics: string) => {
  expect(ics.endsWith("\r\n")).toBe(true)
  const lines = ics.slice(0, -2).split("\r\n")
  expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/) // no bare CR or LF
  for (const line of lines) expect(new TextEncoder().encode(line).length, line).toBeLessThanOrEqual(75)
  const unfolded = ics.replace(/\r\n[ \t]/g, "")
  expect(unfolded).toMatch(/^DTSTART:\d{8}T\d{6}Z\r$/m)
  expect(unfolded).toMatch(/^DTEND:\d{8}T\d{6}Z\r$/m)
  expect(unfolded).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r$/m)
  return unfolded
}

describe("invitations (ICS)", () => {
  it("confirm: METHOD:REQUEST with every field, times in UTC and the host's zone named", () => {
    const ics = renderInvitation(confirmInvitation())
    checkLines(ics)
    const parsed = parse(ics)
    expect(parsed).toMatchObject({
      method: "REQUEST",
      version: "2.0",
      zone: "Europe/Berlin",
      uid: "bk_01HXYZ@overlap.app",
      sequence: 1,
      status: "CONFIRMED",
      summary: "Overlap: Host & Guest; planning, q1",
      dtstamp: STAMP,
      dtstart: START,
      dtend: END
    })
    expect(parsed.organizer).toEqual({ value: "mailto:host@example.com", cn: "Host Person" })
    // No e-mail known for the guest: the calendar address is the DID (a URI).
    expect(parsed.attendees).toEqual([{ value: GUEST, partstat: "NEEDS-ACTION", role: "REQ-PARTICIPANT" }])
  })

  it("reschedule: same UID, higher SEQUENCE, new times, still REQUEST", () => {
    const first = parse(renderInvitation(confirmInvitation()))
    const moved = confirmInvitation({ sequence: 2, startAt: START + 86_400_000, endAt: END + 86_400_000, stampedAt: STAMP + 1000 })
    const second = parse(renderInvitation(moved))
    expect(second.uid).toBe(first.uid)
    expect(Number(second.sequence)).toBeGreaterThan(Number(first.sequence))
    expect(second).toMatchObject({ method: "REQUEST", status: "CONFIRMED", dtstart: START + 86_400_000, dtend: END + 86_400_000 })
  })

  it("cancel: METHOD:CANCEL with STATUS:CANCELLED, same UID, higher SEQUENCE", () => {
    const cancel = parse(renderInvitation(confirmInvitation({ sequence: 3, method: "CANCEL" })))
    expect(cancel).toMatchObject({ method: "CANCEL", status: "CANCELLED", uid: "bk_01HXYZ@overlap.app", sequence: 3 })
    expect(cancel.organizer.value).toBe("mailto:host@example.com")
    expect(cancel.attendees.map((a) => a.value)).toEqual([GUEST])
  })

  it("uses mailto: when the guest's e-mail is known and the DID when the host's is not", () => {
    const parsed = parse(renderInvitation(confirmInvitation({
      organizer: { did: HOST },
      attendee: { did: GUEST, email: "guest@example.com", name: "Guest" }
    })))
    expect(parsed.organizer).toEqual({ value: HOST, cn: undefined })
    expect(parsed.attendees[0]!.value).toBe("mailto:guest@example.com")
  })

  it("escapes text instead of breaking the structure", () => {
    const summary = "Line one\nBEGIN:VEVENT; ends, with \\ backslash " + "x".repeat(120)
    const parsed = parse(renderInvitation(confirmInvitation({ summary })))
    expect(parsed.summary).toBe(summary)
  })
})

describe("IcsStore (Test layer, same validation and rendering as Live)", () => {
  it.effect("stores each version at ics/<bookingId>/<sequence>.ics and reads it back with its method", () =>
    Effect.gen(function*() {
      const store = yield* IcsStore
      const confirmed = yield* store.put(confirmInvitation())
      const canceled = yield* store.put(confirmInvitation({ sequence: 2, method: "CANCEL" }))
      expect(confirmed.key).toBe("ics/bk_01HXYZ/1.ics")
      expect(canceled.key).toBe("ics/bk_01HXYZ/2.ics")
      const read = Option.getOrThrow(yield* store.get("ics/bk_01HXYZ/2.ics"))
      expect(read.method).toBe("CANCEL")
      expect(parse(read.ics).status).toBe("CANCELLED")
      expect(Option.isNone(yield* store.get("ics/bk_01HXYZ/3.ics"))).toBe(true)
    }).pipe(Effect.provide(IcsStoreTest)))

  it.effect("refuses invalid invitations and writes nothing", () =>
    Effect.gen(function*() {
      const store = yield* IcsStore
      const bad: Array<[Partial<Invitation>, RegExp]> = [
        [{ bookingId: "../etc" }, /bookingId/],
        [{ endAt: START }, /endAt must be after startAt/],
        [{ hostTz: "Mars/Olympus" }, /unknown time zone/],
        [{ sequence: -1 }, /sequence/],
        [{ attendee: { did: GUEST, email: "not an address" } }, /email/]
      ]
      for (const [patch, message] of bad) {
        const error = yield* Effect.flip(store.put(confirmInvitation(patch)))
        expect(error._tag).toBe("InvitationInvalid")
        expect(error.message).toMatch(message)
      }
      expect(Option.isNone(yield* store.get("ics/bk_01HXYZ/1.ics"))).toBe(true)
    }).pipe(Effect.provide(IcsStoreTest)))
})
